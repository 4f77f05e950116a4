"""Weekly transfer windows (rclone's bwlimit timetable): "weekdays 09:00-18:00 at 20MiB/s, otherwise unlimited".

One window per text: ``DAYS HH:MM-HH:MM LIMIT [LIMIT]``.

* DAYS: ``daily`` or ``*``; a day ``mon``; a range ``mon-fri`` (it may wrap: ``fri-mon``); a list ``sat,sun``
  (lists may hold ranges: ``mon-wed,fri``). Three-letter English names, any case.
* HH:MM-HH:MM: 00:00 to 24:00 (24:00 only as an end). An end at or before the start crosses midnight and
  belongs to the start day: ``mon-fri 22:00-06:00`` runs from Monday 22:00 to Tuesday 06:00, and so on.
* LIMIT: ``bandwidth=20MiB`` (any rate the task file takes, ``80Mbit`` too) and/or ``qps=100``; ``off`` or ``0``
  is no limit. A dimension a window does not name keeps the task's own option (qps_limit, bandwidth_limit).

Times are minutes of the week (Monday 00:00 = 0, 10,080 in all) in the agent's local wall-clock time. Windows of
a list are named ``options.schedule[0]``, ``[1]``, ... (from 0, like every array path in the API's tooling).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from wizard.errors import InputError
from wizard.task import Options, check_qps, check_text, parse_rate

DAY = 24 * 60
WEEK = 7 * DAY
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")          # the order of datetime.weekday()
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_EXAMPLE = "\"mon-fri 09:00-18:00 bandwidth=20MiB\""

CHECK_EVERY = 60.0     # seconds: the driver's longest sleep, so a clock jump or a DST change is seen within a minute
_NUDGE = 0.05          # seconds: the shortest sleep, so a sleep that wakes a hair early does not spin


def _shown(value: Any) -> str:
    """A value for an error sentence, quoted and cut short (a pasted paragraph would drown the message)."""
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _week_text(minute: int) -> str:
    """'Monday 10:00' for a minute of the week."""
    return f"{_DAY_NAMES[minute // DAY]} {_clock_text(minute % DAY)}"


@dataclass(frozen=True)
class Window:
    """One parsed window: its days (0 = Monday), start and end in minutes of the day, and the limits it names
    (None: the task's own option holds). ``text`` is the normalised form that the task file keeps."""

    text: str
    days: tuple[int, ...]
    start: int
    end: int
    qps: float | None
    bandwidth: int | None

    def segments(self) -> list[tuple[int, int]]:
        """The minutes of the week it covers, as sorted half-open spans; a span past Sunday midnight is split in
        two, since the week starts again at Monday 00:00."""
        length = self.end - self.start if self.end > self.start else self.end + DAY - self.start
        out: list[tuple[int, int]] = []
        for day in self.days:
            a = day * DAY + self.start
            b = a + length
            out += [(a, b)] if b <= WEEK else [(a, WEEK), (0, b - WEEK)]
        return sorted(out)


def _days(token: str, where: str) -> tuple[int, ...]:
    if token in ("daily", "*"):
        return tuple(range(7))
    seen: list[int] = []
    for item in token.split(","):
        first, dash, last = item.partition("-")
        if first not in DAYS or (dash and last not in DAYS):
            raise InputError(f"{where}: {_shown(item)} is not a day (mon, tue, ... sun), a range like mon-fri, "
                             "or daily")
        a = DAYS.index(first)
        b = DAYS.index(last) if dash else a
        if dash and a == b:  # one day, or the whole week round? Neither reading is safe to guess
            raise InputError(f"{where}: {_shown(item)} starts and ends on the same day; write {first} for one "
                             "day or daily for all seven")
        for day in ((a + k) % 7 for k in range((b - a) % 7 + 1)):
            if day in seen:
                raise InputError(f"{where}: {DAYS[day]} is named twice in {_shown(token)}")
            seen.append(day)
    return tuple(sorted(seen))


def _minute(text: str, where: str, is_end: bool) -> int:
    m = _TIME.match(text)
    hour, minute = (int(m.group(1)), int(m.group(2))) if m else (99, 99)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise InputError(f"{where}: {_shown(text)} is not a time of day from 00:00 to 24:00")
    if hour == 24 and not is_end:
        raise InputError(f"{where}: a window cannot start at 24:00; write 00:00 of the next day")
    return hour * 60 + minute


def _limit(name: str, value: str, where: str) -> float | int:
    """One limit's value through the task file's own validation of that limit (one rule per quantity)."""
    if value.lower() == "off":
        return 0
    if name == "bandwidth":
        return parse_rate(value, f"{where} bandwidth")
    # check_qps takes numbers; a text that is no plain number goes to it as it is, so it gives the one message
    return check_qps(float(value) if _NUMBER.match(value) else value, f"{where} qps")


def parse_window(text: Any, where: str) -> Window:
    """Parse one window text; an InputError names ``where`` and what is wrong with it."""
    if not isinstance(text, str):
        raise InputError(f"{where}: expected a window like {_EXAMPLE}, got {_shown(text)}")
    tokens = check_text(text, where).split()
    if len(tokens) < 2:
        raise InputError(f"{where}: {_shown(text)} is not a window; write days, a time range and a limit, "
                         f"like {_EXAMPLE}")
    days = _days(tokens[0].lower(), where)
    start_text, dash, end_text = tokens[1].partition("-")
    if not dash:
        raise InputError(f"{where}: {_shown(tokens[1])} is not a time range like 09:00-18:00")
    start, end = _minute(start_text, where, False), _minute(end_text, where, True)
    if start == end:  # a whole day or nothing at all: refuse rather than guess
        raise InputError(f"{where}: {_shown(tokens[1])} starts and ends at the same time; write 00:00-24:00 "
                         "for a whole day")
    if len(tokens) == 2:
        raise InputError(f"{where}: {_shown(text)} names no limit; add bandwidth=... or qps=... (off for none)")
    if len(tokens) > 4:
        raise InputError(f"{where}: a window takes at most two limits (bandwidth= and qps=), this one has "
                         f"{len(tokens) - 2}")
    limits: dict[str, tuple[float | int, str]] = {}
    for token in tokens[2:]:
        name, eq, value = token.partition("=")
        name = name.lower()
        if not eq or not name or not value:
            raise InputError(f"{where}: {_shown(token)} is not a limit; write bandwidth=20MiB or qps=100 "
                             "(off for none)")
        if name not in ("bandwidth", "qps"):
            raise InputError(f"{where}: {_shown(name)} is not a limit name (bandwidth or qps)")
        if name in limits:
            raise InputError(f"{where}: names {name} twice")
        n = _limit(name, value, where)
        limits[name] = (n, "off" if n == 0 else value)
    day_text = "daily" if tokens[0] == "*" else tokens[0].lower()
    normal = " ".join([day_text, f"{_clock_text(start)}-{_clock_text(end)}",
                       *(f"{k}={limits[k][1]}" for k in ("bandwidth", "qps") if k in limits)])
    qps = float(limits["qps"][0]) if "qps" in limits else None
    bandwidth = int(limits["bandwidth"][0]) if "bandwidth" in limits else None
    return Window(normal, days, start, end, qps, bandwidth)


def _check_overlaps(windows: Sequence[Window], names: Sequence[str]) -> None:
    """Refuse two windows sharing a minute, naming both and the first minute of the week they share."""
    spans = sorted((a, b, i) for i, w in enumerate(windows) for a, b in w.segments())
    reach, owner = 0, -1      # the furthest end among the spans started so far, and whose it is
    for a, b, i in spans:
        if a < reach:         # sorted by start, so the first hit is the earliest minute shared
            later, earlier = max(i, owner), min(i, owner)
            raise InputError(f"{names[later]}: overlaps {names[earlier]} on {_week_text(a)}")
        if b > reach:
            reach, owner = b, i


def _parse_all(value: Any, where: str) -> tuple[list[Window], list[str]]:
    if isinstance(value, str):
        items, names = [value], [where]
    elif isinstance(value, list):
        items, names = value, [f"{where}[{k}]" for k in range(len(value))]
    else:
        raise InputError(f"{where}: expected a list of windows like [{_EXAMPLE}], got {_shown(value)}")
    windows = [parse_window(text, name) for text, name in zip(items, names, strict=True)]
    _check_overlaps(windows, names)
    return windows, names


def check_schedule(value: Any, where: str) -> list[str]:
    """The one validation of a schedule (a list of window texts, or one text): the normalised texts, or an
    InputError naming the window at fault."""
    return [w.text for w in _parse_all(value, where)[0]]


@dataclass(frozen=True)
class InForce:
    """The limits in force at a moment: the window (None between windows), its qps and bandwidth (0 = no limit)
    with the task's own options filling what it leaves out, and ``until``, when that next changes (None: never)."""

    window: Window | None
    qps: float
    bandwidth: int
    until: datetime | None


class Schedule:
    """A week of non-overlapping windows over the task's own limits. Moments are naive datetimes in the
    agent's local wall-clock time (what ``datetime.now()`` gives), so "09:00" is 09:00 where the agent runs."""

    def __init__(self, windows: Iterable[Window], default_qps: float = 0, default_bandwidth: int = 0,
                 *, where: str = "options.schedule") -> None:
        self.windows = tuple(windows)
        self.default_qps = float(default_qps)
        self.default_bandwidth = int(default_bandwidth)
        _check_overlaps(self.windows, [f"{where}[{k}]" for k in range(len(self.windows))])
        # The week as runs of one owner (a window's index, or None), Monday 00:00 onwards; neighbours with the
        # same owner are merged, so a run's end is a real change.
        runs: list[tuple[int, int, int | None]] = []
        at = 0
        for a, b, i in sorted((a, b, i) for i, w in enumerate(self.windows) for a, b in w.segments()):
            if a > at:
                runs.append((at, a, None))
            runs.append((a, b, i))
            at = b
        if at < WEEK:
            runs.append((at, WEEK, None))
        merged: list[tuple[int, int, int | None]] = []
        for run in runs:
            if merged and merged[-1][2] == run[2]:
                merged[-1] = (merged[-1][0], run[1], run[2])
            else:
                merged.append(run)
        self._runs = merged

    @classmethod
    def from_options(cls, options: Options) -> Schedule:
        """The schedule of a task's options (texts already checked by parse_options)."""
        return cls([parse_window(t, f"options.schedule[{k}]") for k, t in enumerate(options.schedule)],
                   options.qps_limit, options.bandwidth_limit)

    def at(self, moment: datetime) -> InForce:
        """What is in force at ``moment`` (to the minute: 09:00:00 is inside 09:00-18:00, 18:00:00 is not)."""
        minute = moment.weekday() * DAY + moment.hour * 60 + moment.minute
        k = next(k for k, (a, b, _) in enumerate(self._runs) if a <= minute < b)
        _, end, owner = self._runs[k]
        until: datetime | None = None
        if len(self._runs) > 1:
            if end == WEEK and self._runs[0][2] == owner:   # the run goes on past Sunday midnight
                end = WEEK + self._runs[0][1]
            until = moment.replace(second=0, microsecond=0) + timedelta(minutes=end - minute)
        window = None if owner is None else self.windows[owner]
        qps = self.default_qps if window is None or window.qps is None else window.qps
        bandwidth = self.default_bandwidth if window is None or window.bandwidth is None else window.bandwidth
        return InForce(window, qps, bandwidth, until)


class ScheduleDriver:
    """Applies a schedule's limits live: at start, then at every window boundary. ``apply(qps, bandwidth)`` is
    what changes them (``Limits.set``); clock and sleep are injectable so the tests need not wait for 18:00."""

    def __init__(self, schedule: Schedule, apply: Callable[[float, int], None],
                 clock: Callable[[], datetime] = datetime.now,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.schedule = schedule
        self._apply = apply
        self._clock = clock
        self._sleep = sleep
        self._override: tuple[float, int] | None = None
        self._override_until: datetime | None = None
        self._applied: tuple[Window | None, float, int] | None = None

    def _current(self, now: datetime) -> tuple[InForce, bool]:
        state = self.schedule.at(now)
        if self._override is not None and self._override_until is not None and now >= self._override_until:
            self._override = None     # the boundary it lasted until has come: the schedule takes over
        if self._override is None:
            return state, False
        qps, bandwidth = self._override
        return replace(state, qps=qps, bandwidth=bandwidth, until=self._override_until), True

    def _put(self, state: InForce) -> None:
        key = (state.window, state.qps, state.bandwidth)
        if key != self._applied:
            self._apply(state.qps, state.bandwidth)
            self._applied = key

    async def run(self) -> None:
        """Apply the limits in force now, then each change as it comes; runs until cancelled. An empty schedule
        returns at once and applies nothing (the task's own limits stay)."""
        if not self.schedule.windows:
            return
        while True:
            now = self._clock()
            state, _ = self._current(now)
            self._put(state)
            delay = CHECK_EVERY if state.until is None else (state.until - now).total_seconds()
            await self._sleep(min(CHECK_EVERY, max(delay, _NUDGE)))

    def override(self, qps: float | None = None, bandwidth: int | None = None) -> None:
        """The operator changed a limit by hand (None: that one stays): applied now, held until the next window
        boundary, then the schedule takes over, as rclone's rc bwlimit does. Without a schedule the values
        simply become the task's limits. Values are trusted: the API checks them with check_qps/parse_rate."""
        now = self._clock()
        state, _ = self._current(now)
        qps = state.qps if qps is None else float(qps)
        bandwidth = state.bandwidth if bandwidth is None else int(bandwidth)
        if not self.schedule.windows:
            self.schedule = Schedule((), qps, bandwidth)
            self._apply(qps, bandwidth)
            return
        self._override = (qps, bandwidth)
        self._override_until = self.schedule.at(now).until    # None: the schedule never changes, so neither does it
        self._put(replace(state, qps=qps, bandwidth=bandwidth))

    def in_force(self) -> dict[str, Any]:
        """For the progress snapshot: the window (its text, or None), the limits, when they next change (epoch
        seconds, or None) and whether an operator's override holds them."""
        state, overridden = self._current(self._clock())
        return {"window": state.window.text if state.window else None, "qps_limit": state.qps,
                "bandwidth_limit": state.bandwidth,
                "until": state.until.timestamp() if state.until else None,   # naive: read as local time
                "override": overridden}
