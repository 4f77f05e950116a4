"""The exception tree every layer shares, and what the caller should do with each.

    MigrationError
    ├── InputError        bad task file, argument or credential reference (CLI exit 2)
    ├── TaskBusy          the task's journal is in use by another run (another process or agent)
    └── StorageError      a store refused or failed; ``action`` says what to do
         ├── action RETRY   transient: 5xx, 429/SlowDown, timeouts, resets
         ├── action OBJECT  give up on this object: 403 on a key, source vanished, bad key, checksum
         └── action TASK    stop the task: auth refused, bucket missing, store unreachable

Messages never contain a secret: connectors build them from codes, keys and endpoints only.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class Action(str, Enum):
    """What the caller does with a failure."""

    RETRY = "retry"
    OBJECT = "object"
    TASK = "task"


class MigrationError(Exception):
    """Base of every error Migration Wizard raises on purpose."""


class InputError(MigrationError):
    """The task file, an argument or a credential reference is wrong; the message names the field."""


class TaskBusy(MigrationError):
    """Another run holds the task's journal; running it twice at once would copy everything twice."""


class StorageError(MigrationError):
    """A store operation failed. ``error_class`` groups failures for the operator (export, retry by class)."""

    def __init__(self, action: Action, error_class: str, code: str, message: str,
                 status: int | None = None, throttle: bool = False) -> None:
        super().__init__(message)
        self.action = action
        self.error_class = error_class
        self.code = code
        self.message = message
        self.status = status
        self.throttle = throttle

    def __str__(self) -> str:
        return self.message


def transient(code: str, message: str, status: int | None = None, throttle: bool = False) -> StorageError:
    """A failure worth retrying."""
    return StorageError(Action.RETRY, "throttled" if throttle else "network" if status is None else "server",
                        code, message, status, throttle)


def object_failed(error_class: str, code: str, message: str, status: int | None = None) -> StorageError:
    """A failure that ends this object's attempts; the task goes on."""
    return StorageError(Action.OBJECT, error_class, code, message, status)


def task_stopped(error_class: str, code: str, message: str, status: int | None = None) -> StorageError:
    """A failure that makes the whole task unable to run."""
    return StorageError(Action.TASK, error_class, code, message, status)


# Codes that mean the credentials themselves are refused: no object can succeed, so the task stops.
AUTH_CODES = frozenset({"SignatureDoesNotMatch", "InvalidAccessKeyId", "AuthorizationHeaderMalformed",
                        "InvalidToken", "ExpiredToken", "RequestTimeTooSkewed"})
THROTTLE_CODES = frozenset({"SlowDown", "Throttling", "ThrottlingException", "TooManyRequests",
                            "RequestLimitExceeded", "TooManyRequestsException"})


def classify_http(status: int, code: str, message: str, *, what: str) -> StorageError:
    """Turn an HTTP error answer into a StorageError; ``what`` names the operation and key for the message."""
    text = f"{what}: {code or status}" + (f" ({message})" if message and message != code else "")
    if status == 429 or code in THROTTLE_CODES:
        return transient(code or str(status), text, status, throttle=True)
    if status >= 500 or code in ("RequestTimeout", "InternalError", "ServiceUnavailable"):
        return transient(code or str(status), text, status, throttle=status == 503)
    if status == 412:  # If-Match failed: the source object was replaced while it was being copied
        return StorageError(Action.RETRY, "changed", code or "PreconditionFailed", text, status)
    if code in AUTH_CODES:
        return task_stopped("auth", code, text, status)
    if code == "NoSuchBucket":
        return task_stopped("bucket", code, text, status)
    if status == 403:
        return object_failed("permission", code or "AccessDenied", text, status)
    if status == 404:
        return object_failed("not-found", code or "NoSuchKey", text, status)
    if code in ("BadDigest", "InvalidDigest"):
        return object_failed("checksum", code, text, status)
    if code in ("KeyTooLongError", "InvalidObjectName"):
        return object_failed("invalid-key", code, text, status)
    return object_failed("request", code or str(status), text, status)


# The classes a failed object can carry (the CSV's error_class, the filter of retry-failed and export-failed).
ERROR_CLASSES = ("changed", "checksum", "internal", "invalid-key", "invalid-url", "io", "local", "mismatch", "network",
                 "not-found", "permission", "request", "server", "throttled")


def check_error_class(value: object, where: str, present: Iterable[str] = ()) -> str:
    """A failure class to filter by: one of ERROR_CLASSES or of the classes a journal already holds (``present``);
    the one validation of ``--class`` and the API's ``error_class``."""
    known = sorted({*ERROR_CLASSES, *present})
    if not isinstance(value, str) or value not in known:
        shown = repr(value)[:40] if isinstance(value, str) else "that"
        raise InputError(f"{where}: {shown} is not an error class (one of {', '.join(known)})")
    return value
