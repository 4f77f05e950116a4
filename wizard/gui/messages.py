"""Codes from the agent turned into translated sentences: task states, error classes, pre-flight checks. The
agent speaks codes and English; what the operator reads is decided here."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QCoreApplication as Q

from wizard.units import human_bytes

__all__ = ["human_bytes", "state_text", "error_class_text", "class_label", "check_text", "check_title",
           "agent_error_text", "keyring_text", "code_text", "refused_text", "exists_text", "remote_text"]


def state_text(state: str) -> str:
    """A task state in the console's words."""
    texts = {
        "created": Q.translate("Messages", "Not started"),
        "listing": Q.translate("Messages", "Listing"),
        "running": Q.translate("Messages", "Migrating"),
        "paused": Q.translate("Messages", "Paused"),
        "queued": Q.translate("Messages", "Waiting for connections"),
        "cancelled": Q.translate("Messages", "Cancelled"),
        "completed": Q.translate("Messages", "Completed"),
        "completed_with_failures": Q.translate("Messages", "Completed, some files failed"),
        "ready_for_cutover": Q.translate("Messages", "Ready for cutover"),
        "failed": Q.translate("Messages", "Could not run"),
    }
    return texts.get(state, state)


def error_class_text(error_class: str) -> str:
    """What an error class means, in one sentence."""
    texts = {
        "auth": Q.translate("Messages", "The AccessKey was refused: check the AccessKey ID and Secret."),
        "bucket": Q.translate("Messages", "The bucket does not exist, or belongs to another region."),
        "unreachable": Q.translate("Messages", "The endpoint cannot be reached: check the address and the network."),
        "permission": Q.translate("Messages", "Permission denied: grant the account access to this bucket."),
        "not-found": Q.translate("Messages", "The file no longer exists at the source."),
        "checksum": Q.translate("Messages", "The checksum did not match after retries."),
        "invalid-key": Q.translate("Messages", "The file name cannot be stored at the destination."),
        "invalid-url": Q.translate("Messages", "The line is not a valid URL."),
        "changed": Q.translate("Messages", "The source file changed while it was copied."),
        "mismatch": Q.translate("Messages", "The final check found the file changed or gone at the destination: "
                                            "retry to copy it again."),
        "network": Q.translate("Messages", "The network failed repeatedly."),
        "server": Q.translate("Messages", "The server failed repeatedly."),
        "throttled": Q.translate("Messages", "The server kept asking to slow down."),
        "request": Q.translate("Messages", "The server refused the request."),
        "io": Q.translate("Messages", "A local file could not be read or written."),
        "local": Q.translate("Messages", "This computer ran out of open files: the agent waited and retried; raise "
                                         "its open-file limit (ulimit -n)."),
        "internal": Q.translate("Messages", "An internal error; retrying may help."),
        "input": Q.translate("Messages", "The task's settings are incomplete."),
        "keyring": Q.translate("Messages", "The agent cannot read the system keyring: unlock or install one "
                                           "(gnome-keyring, KWallet) and resume the task, or delete it and give the "
                                           "secrets again, kept only while the agent runs."),
        "secret-not-held": Q.translate("Messages", "The secret was kept only while the agent ran, and the agent has "
                                                   "restarted since: delete the task and create it again with the "
                                                   "secret."),
        "busy": Q.translate("Messages", "The task is already running elsewhere."),
        "clock": Q.translate("Messages", "This computer's clock is wrong: set it right (NTP)."),
        "uploads-left": Q.translate("Messages", "Some multipart uploads could not be removed; cancel again later."),
        "unavailable": Q.translate("Messages", "The migration agent is not running or does not answer."),
        "unauthorized": Q.translate("Messages", "The agent refused the token: copy it again from the master "
                                                "(the file `migration-agent token` prints)."),
    }
    return texts.get(error_class, Q.translate("Messages", "Error: {code}").format(code=error_class))


def keyring_text(reason: str) -> str:
    """No usable system keyring in the wizard, in one sentence that says what to do."""
    return Q.translate("Messages", "No usable system keyring ({reason}): secrets can be kept only while the agent "
                                   "runs, never in a file. To remember them, install or unlock a keyring "
                                   "(gnome-keyring, KWallet) and start the wizard again.").format(reason=reason)


def class_label(error_class: str) -> str:
    """A short label for an error class (filters, table cells)."""
    labels = {
        "permission": Q.translate("Messages", "Permission denied"),
        "not-found": Q.translate("Messages", "Not found"),
        "checksum": Q.translate("Messages", "Checksum mismatch"),
        "invalid-key": Q.translate("Messages", "Invalid name"),
        "invalid-url": Q.translate("Messages", "Invalid URL"),
        "changed": Q.translate("Messages", "Changed during copy"),
        "network": Q.translate("Messages", "Network"),
        "server": Q.translate("Messages", "Server error"),
        "throttled": Q.translate("Messages", "Throttled"),
        "request": Q.translate("Messages", "Request refused"),
        "io": Q.translate("Messages", "Local file error"),
        "internal": Q.translate("Messages", "Internal error"),
    }
    return labels.get(error_class, error_class)


def check_text(check: dict[str, Any]) -> str:
    """One pre-flight check row's sentence."""
    name, ok, detail = check.get("name", ""), check.get("ok", False), check.get("detail") or {}
    if not ok:
        cls = check.get("error_class") or ""
        code = check.get("code") or ""
        if name == "task-exists":
            return exists_text(str(detail.get("task", "")))
        if code == "ConnectionRefused" and detail.get("address"):
            return refused_text(str(detail["address"]))
        text = error_class_text(cls) if cls else check.get("message", "")
        return f"{text} ({code})" if code and code != cls else text
    store = detail.get("store")
    if name == "source-access" and store == "local":
        return Q.translate("Messages", "The source folder exists and can be read.")
    if name == "destination-access" and store == "local":
        return Q.translate("Messages", "The destination folder exists and can be written.")
    if name == "source-access" and store == "urllist":
        return Q.translate("Messages", "The URL list can be read.")
    if name == "source-access":
        return Q.translate("Messages", "Source reachable, AccessKey accepted.")
    if name == "destination-access":
        return Q.translate("Messages", "Destination reachable, AccessKey accepted.")
    if name == "destination-write":
        return Q.translate("Messages", "A test file was written to the destination and removed.")
    if name.endswith("-clock"):
        return Q.translate("Messages", "Clock difference: {n} s.").format(n=abs(int(detail.get("skew", 0))))
    if name == "source-list":
        n = int(detail.get("objects", 0))
        size = human_bytes(float(detail.get("bytes", 0)))
        if detail.get("complete", True):
            return Q.translate("Messages", "The source holds {n} files, {size}.").format(n=f"{n:,}", size=size)
        return Q.translate("Messages", "The source holds more than {n} files.").format(n=f"{n:,}")
    return str(check.get("message", ""))


def check_title(name: str) -> str:
    titles = {
        "source-access": Q.translate("Messages", "Source access"),
        "destination-access": Q.translate("Messages", "Destination access"),
        "destination-write": Q.translate("Messages", "Write permission"),
        "source-clock": Q.translate("Messages", "Source clock"),
        "destination-clock": Q.translate("Messages", "Destination clock"),
        "source-list": Q.translate("Messages", "Source size"),
        "task-exists": Q.translate("Messages", "Existing task"),
    }
    return titles.get(name, name)


def refused_text(address: str) -> str:
    """A closed port: which HOST:PORT refused and what to check."""
    return Q.translate("Messages", "Cannot connect to {address} (connection refused): check the Endpoint "
                                   "and the port.").format(address=address)


def code_text(code: str, message: str) -> str:
    """A translated sentence for a store's or the agent's error code, or "" when there is none for it."""
    if code == "ConnectionRefused":
        named = re.search(r"cannot connect to (\S+)", message)
        return refused_text(named.group(1)) if named else ""
    sentences = {
        "BrokenSymlink": Q.translate("Messages", "The file is a symbolic link whose target does not exist."),
        "NoSuchKey": Q.translate("Messages", "The file was no longer at the source when it was copied."),
        "AccessDenied": Q.translate("Messages", "The store refused access (AccessDenied): check the AccessKey's "
                                                "permissions on this bucket."),
        "SlowDown": Q.translate("Messages", "The store asked to slow down (throttling)."),
    }
    return sentences.get(code, "")


def exists_text(name: str) -> str:
    """A second task for a source and destination that a task already migrates, naming that task."""
    return Q.translate("Messages", "The task \u201c{name}\u201d already migrates this source into this destination: "
                                   "open it from the task list, or delete it first.").format(name=name)


def agent_error_text(code: str, message: str) -> str:
    """An error answer of the agent: bad input keeps the agent's sentence (it names the field)."""
    if code == "exists":
        named = re.search(r"\u201c(.*)\u201d", message)
        return exists_text(named.group(1)) if named else message
    if code in ("bad-input", "not-running", "finished", "running", "not-started"):
        return message
    if code == "io":  # a local file: the system's own reason and the path say which and why
        return f"{error_class_text(code)} ({message})"
    if code.startswith("remote:"):
        return remote_text(code.removeprefix("remote:"), message)
    return error_class_text(code) if code else message


def remote_text(code: str, message: str, host: str = "") -> str:
    """A server reached over SSH (``wizard.remote``): its codes in the operator's language, naming the host (the
    error's own, else read off the English sentence, which begins with it: ``HOST's``, ``USER@HOST``,
    ``HOST:PORT``); codes without a sentence here keep the English one."""
    if not host:
        first = message.split(" ", 1)[0]
        host = first.removesuffix("'s").rstrip(":").rsplit("@", 1)[-1]
    texts = {
        "login-refused": Q.translate("Messages", "{host} refused the login: check the user and the password or "
                                                 "key."),
        "host-key-changed": Q.translate("Messages", "{host}'s host key is not the one confirmed before: the server "
                                                    "was reinstalled, or someone is in between. Nothing was sent "
                                                    "to it."),
        "timeout": Q.translate("Messages", "{host} did not answer: check the address, the SSH port and the "
                                           "firewall."),
        "unreachable": Q.translate("Messages", "{host} cannot be reached: check the address, the SSH port and the "
                                               "firewall."),
        "not-pinned": Q.translate("Messages", "{host}'s host key is not confirmed yet: press \"Test SSH "
                                              "connection\" first."),
        "no-bundle": Q.translate("Messages", "The agent package for the servers is missing from this installation "
                                             "({detail})."),
        "master-down": Q.translate("Messages", "The migration agent on {host} is not running."),
    }
    if code not in texts:
        return message
    detail = message.split("(", 1)[1].split(")", 1)[0] if "(" in message else message
    return texts[code].format(host=host, detail=detail)
