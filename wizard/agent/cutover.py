"""The cutover assistant's rules (the vendor docs' secondary migration and final offline sync).

After the first copy, delta passes run on demand or on a timer until a pass's change set (objects new or
changed at the source since the pass before) is small, by the operator's measure in objects, bytes or both.
Then the operator stops writes at the source and starts the final pass: it lists everything again, copies what
changed, checks every object at the destination, and the task is ready for the cutover when nothing failed.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from wizard.errors import InputError
from wizard.task import parse_size

log = logging.getLogger(__name__)
EVERY_MIN, EVERY_MAX = 10.0, 7 * 86400.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h)?\s*$", re.IGNORECASE)
_SECONDS = {"": 1, "s": 1, "m": 60, "min": 60, "h": 3600}


def parse_every(value: Any, where: str) -> float:
    """Seconds between delta passes from 0 (only when asked), a number of seconds, or "90s", "30m", "2h"."""
    what = f"0 (only when asked) or {EVERY_MIN:.0f} s to 7 days, like 1800, \"30m\" or \"2h\""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"{where}: expected {what}")
    if isinstance(value, str):
        m = _DURATION.match(value)
        if not m:
            raise InputError(f"{where}: expected {what}, got {value[:40]!r}")
        seconds = float(m.group(1)) * _SECONDS[(m.group(2) or "").lower()]
    else:
        seconds = float(value)
    if seconds != 0 and not EVERY_MIN <= seconds <= EVERY_MAX:
        raise InputError(f"{where}: expected {what}, got {value!r}")
    return seconds


@dataclass
class CutoverSettings:
    """When delta passes repeat, and what counts as a small change set (None: not measured that way)."""

    every: float = 0.0
    small_objects: int | None = None
    small_bytes: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> CutoverSettings:
        return cls(**data) if data else cls()


def parse_cutover(data: dict[str, Any], where: str = "cutover") -> CutoverSettings:
    """The one validation of the cutover settings (API, CLI, wizard); each error names its field."""
    unknown = sorted(set(data) - {"every", "small_objects", "small_bytes"})
    if unknown:
        raise InputError(f"{where}.{unknown[0]}: unknown setting (every, small_objects, small_bytes)")
    s = CutoverSettings()
    if data.get("every") is not None:
        s.every = parse_every(data["every"], f"{where}.every")
    if data.get("small_objects") is not None:
        n = data["small_objects"]
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 10**12:
            raise InputError(f"{where}.small_objects: expected a whole number of objects from 0, got {n!r}"[:160])
        s.small_objects = n
    if data.get("small_bytes") is not None:
        if isinstance(data["small_bytes"], float):
            raise InputError(f"{where}.small_bytes: expected a whole number of bytes or a size like \"1GiB\", got "
                             f"{data['small_bytes']!r}"[:160])
        s.small_bytes = parse_size(data["small_bytes"], f"{where}.small_bytes", 0, 2**60,
                                   why="the change in bytes under which a pass counts as small")
    if s.every and s.small_objects is None and s.small_bytes is None:
        raise InputError(f"{where}.every: a timer needs to know when to stop: set small_objects, small_bytes "
                         "or both")
    return s


def change_set(row: dict[str, Any]) -> tuple[int, int]:
    """A pass's change set: objects new or changed at the source since the pass before, and their bytes."""
    return row["new"] + row["changed"], row["new_bytes"] + row["changed_bytes"]


def converged(row: dict[str, Any] | None, settings: CutoverSettings) -> bool:
    """Whether a pass's change set is small by the operator's measure (every measure set must hold)."""
    if row is None or (settings.small_objects is None and settings.small_bytes is None):
        return False
    objects, size = change_set(row)
    return (settings.small_objects is None or objects <= settings.small_objects) and \
        (settings.small_bytes is None or size <= settings.small_bytes)


def phase(state: str, kind: str, row: dict[str, Any] | None, settings: CutoverSettings) -> str:
    """Where the cutover stands: syncing (passes go on), converged (small enough for the final pass),
    final (the final pass runs, or ended with failures to retry), ready (ready for the cutover)."""
    if state == "ready_for_cutover":
        return "ready"
    if kind == "final":
        return "final"
    if row is not None and row["number"] > 1 and converged(row, settings):
        return "converged"
    return "syncing"


class DeltaTimer:
    """Starts the next delta pass at a set time; re-armed after each pass, disarmed by the operator's controls."""

    def __init__(self, start_pass: Callable[[], Awaitable[Any]]) -> None:
        self._start_pass = start_pass
        self._job: asyncio.Task[None] | None = None
        self.at: float | None = None

    def arm(self, at: float) -> None:
        self.disarm()
        self.at = at
        self._job = asyncio.create_task(self._wait(at))

    def disarm(self) -> None:
        if self._job is not None and not self._job.done() and self._job is not asyncio.current_task():
            self._job.cancel()
        self._job, self.at = None, None

    async def _wait(self, at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.time()))
        self.at = None
        try:
            await self._start_pass()
        except Exception as exc:   # a pass the state no longer allows is not started; the task stays as it is
            log.warning("the timed delta pass was not started: %s", exc)
