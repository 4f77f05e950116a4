"""Weekly transfer windows: the grammar and its one-sentence, field-named errors; what is in force at a moment;
the driver switching a real Limits object at the boundary on a fake wall clock that sleeping advances."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from wizard.engine.limits import Limits
from wizard.engine.schedule import Schedule, ScheduleDriver, check_schedule, parse_window
from wizard.errors import InputError
from wizard.task import parse_task_text

MiB = 1024**2
MON = datetime(2024, 1, 1)            # a Monday; the week runs to Sunday 2024-01-07


def at(day: int, hhmm: str, second: int = 0) -> datetime:
    """Day 0 = Monday 2024-01-01 (7 = the next Monday)."""
    hour, minute = map(int, hhmm.split(":"))
    return MON + timedelta(days=day, hours=hour, minutes=minute, seconds=second)


def refused(value: Any, field: str) -> str:
    with pytest.raises(InputError) as info:
        check_schedule(value, "options.schedule")
    text = str(info.value)
    assert text.startswith(f"{field}: ") or text.startswith(f"{field} "), text
    assert "\n" not in text, text
    return text


# -- the grammar --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "normal", "days", "start", "end", "qps", "bandwidth"), [
    ("mon-fri 09:00-18:00 bandwidth=20MiB", "mon-fri 09:00-18:00 bandwidth=20MiB", (0, 1, 2, 3, 4), 540, 1080,
     None, 20 * MiB),
    ("MON-Fri 9:00-18:00 Bandwidth=20mib", "mon-fri 09:00-18:00 bandwidth=20mib", (0, 1, 2, 3, 4), 540, 1080,
     None, 20 * MiB),
    ("fri-mon 00:00-24:00 qps=100", "fri-mon 00:00-24:00 qps=100", (0, 4, 5, 6), 0, 1440, 100.0, None),
    ("sat,sun 08:00-20:00 bandwidth=80Mbit qps=5.5", "sat,sun 08:00-20:00 bandwidth=80Mbit qps=5.5", (5, 6),
     480, 1200, 5.5, 10**7),
    ("mon,wed,fri 22:00-06:00 qps=off", "mon,wed,fri 22:00-06:00 qps=off", (0, 2, 4), 1320, 360, 0.0, None),
    ("* 01:00-02:00 qps=10 bandwidth=0", "daily 01:00-02:00 bandwidth=off qps=10", tuple(range(7)), 60, 120,
     10.0, 0),
    ("daily 18:00-24:00 bandwidth=OFF", "daily 18:00-24:00 bandwidth=off", tuple(range(7)), 1080, 1440, None, 0),
    ("mon-wed,sat 10:00-09:00 qps=0", "mon-wed,sat 10:00-09:00 qps=off", (0, 1, 2, 5), 600, 540, 0.0, None),
    ("sun 23:30-00:30 bandwidth=1048576", "sun 23:30-00:30 bandwidth=1048576", (6,), 1410, 30, None, MiB),
])
def test_valid_windows_parse_and_normalise(text: str, normal: str, days: tuple[int, ...], start: int, end: int,
                                           qps: float | None, bandwidth: int | None) -> None:
    w = parse_window(text, "options.schedule[0]")
    assert (w.text, w.days, w.start, w.end, w.qps, w.bandwidth) == (normal, days, start, end, qps, bandwidth)
    assert parse_window(w.text, "x") == w                   # the normal form is a fixed point
    assert check_schedule(text, "options.schedule") == [normal]   # one text is a schedule of one window


def test_windows_crossing_midnight_belong_to_their_start_day() -> None:
    w = parse_window("mon-fri 22:00-06:00 qps=1", "w")
    # Monday 22:00 to Tuesday 06:00 ... Friday 22:00 to Saturday 06:00; nothing on Monday morning.
    assert w.segments() == [(d * 1440 + 1320, d * 1440 + 1800) for d in range(5)]
    sunday = parse_window("sun 22:00-06:00 qps=1", "w")
    assert sunday.segments() == [(0, 360), (6 * 1440 + 1320, 10080)]   # into next Monday: the week wraps


def test_adjacent_and_separate_windows_are_fine() -> None:
    texts = ["mon-fri 09:00-18:00 bandwidth=20MiB", "mon-fri 18:00-09:00 bandwidth=off",
             "sat 09:00-24:00 qps=50", "sun 00:00-24:00 qps=50"]   # Friday's night runs to Saturday 09:00
    assert check_schedule(texts, "options.schedule") == texts
    assert check_schedule([], "options.schedule") == []


@pytest.mark.parametrize(("value", "field", "words"), [
    (["mon 09:00-10:00 qps=1", "mon-fry 09:00-18:00 qps=1"], "options.schedule[1]", '"mon-fry" is not a day'),
    (["tues 09:00-10:00 qps=1"], "options.schedule[0]", '"tues" is not a day'),
    (["mon,,wed 09:00-10:00 qps=1"], "options.schedule[0]", '"" is not a day'),
    (["mon-tue-wed 09:00-10:00 qps=1"], "options.schedule[0]", "is not a day"),
    (["mon-mon 09:00-10:00 qps=1"], "options.schedule[0]", "starts and ends on the same day"),
    (["mon-fri,wed 09:00-10:00 qps=1"], "options.schedule[0]", "wed is named twice"),
    (["mon 9-18 qps=1"], "options.schedule[0]", "is not a time of day"),
    (["mon 09:00 qps=1"], "options.schedule[0]", '"09:00" is not a time range'),
    (["mon 09:00-18:60 qps=1"], "options.schedule[0]", '"18:60" is not a time of day'),
    (["mon 09:00-25:00 qps=1"], "options.schedule[0]", '"25:00" is not a time of day'),
    (["mon 09:00-24:30 qps=1"], "options.schedule[0]", '"24:30" is not a time of day'),
    (["mon 24:00-06:00 qps=1"], "options.schedule[0]", "cannot start at 24:00"),
    (["mon 09:00-09:00 qps=1"], "options.schedule[0]", "starts and ends at the same time"),
    (["mon 00:00-00:00 qps=1"], "options.schedule[0]", "write 00:00-24:00"),
    (["mon 09:00-18:00"], "options.schedule[0]", "names no limit"),
    (["mon"], "options.schedule[0]", "is not a window"),
    ([""], "options.schedule[0]", "is not a window"),
    (["mon 09:00-18:00 speed=1"], "options.schedule[0]", '"speed" is not a limit name'),
    (["mon 09:00-18:00 20MiB"], "options.schedule[0]", '"20MiB" is not a limit'),
    (["mon 09:00-18:00 qps="], "options.schedule[0]", 'is not a limit'),
    (["mon 09:00-18:00 qps=1 qps=2"], "options.schedule[0]", "names qps twice"),
    (["mon 09:00-18:00 qps=1 bandwidth=1 qps=2"], "options.schedule[0]", "at most two limits"),
    (["mon 09:00-18:00 qps=-1"], "options.schedule[0] qps", 'got "-1"'),
    (["mon 09:00-18:00 qps=nan"], "options.schedule[0] qps", 'got "nan"'),
    (["mon 09:00-18:00 qps=inf"], "options.schedule[0] qps", 'got "inf"'),
    (["mon 09:00-18:00 qps=2000000"], "options.schedule[0] qps", "got 2000000.0"),
    (["mon 09:00-18:00 bandwidth=-5MiB"], "options.schedule[0] bandwidth", '"-5MiB" is not bytes per second'),
    (["mon 09:00-18:00 bandwidth=nan"], "options.schedule[0] bandwidth", '"nan" is not bytes per second'),
    (["mon 09:00-18:00 bandwidth=20XB"], "options.schedule[0] bandwidth", '"20XB" is not bytes per second'),
    (["mon 09:00-18:00 bandwidth=2TiB"], "options.schedule[0] bandwidth", "2TiB"),
    (["mon 09:00-18:00 qps=1\x00"], "options.schedule[0]", "control character"),
    ("mon-fry 09:00-18:00 qps=1", "options.schedule", '"mon-fry" is not a day'),   # one text: no index
    ([5], "options.schedule[0]", "expected a window like"),
    (5, "options.schedule", "expected a list of windows"),
    ({"mon": 1}, "options.schedule", "expected a list of windows"),
])
def test_bad_windows_are_refused_naming_the_field(value: Any, field: str, words: str) -> None:
    assert words in refused(value, field)


@pytest.mark.parametrize(("texts", "field", "other", "when"), [
    (["mon 09:00-11:00 qps=1", "mon 10:00-12:00 qps=2"], "options.schedule[1]", "options.schedule[0]",
     "Monday 10:00"),
    (["sat 08:00-09:00 qps=1", "mon 09:00-18:00 qps=1", "mon-fri 17:00-17:30 qps=2"], "options.schedule[2]",
     "options.schedule[1]", "Monday 17:00"),
    (["mon 22:00-06:00 qps=1", "tue 05:00-07:00 qps=2"], "options.schedule[1]", "options.schedule[0]",
     "Tuesday 05:00"),                                              # across midnight
    (["sun 22:00-06:00 qps=1", "mon 05:59-07:00 qps=2"], "options.schedule[1]", "options.schedule[0]",
     "Monday 05:59"),                                               # across the end of the week
    (["mon 00:00-01:00 qps=2", "sun 23:00-00:30 qps=1"], "options.schedule[1]", "options.schedule[0]",
     "Monday 00:00"),                                               # the earlier window named second
    (["daily 12:00-13:00 qps=1", "mon-fri 12:00-13:00 bandwidth=1MiB"], "options.schedule[1]",
     "options.schedule[0]", "Monday 12:00"),                        # other dimensions still overlap
    (["mon-fri 18:00-09:00 qps=0", "sat,sun 00:00-24:00 qps=50"], "options.schedule[1]", "options.schedule[0]",
     "Saturday 00:00"),                                             # Friday's night runs into Saturday
])
def test_overlapping_windows_are_refused_naming_both_and_the_first_shared_minute(
        texts: list[str], field: str, other: str, when: str) -> None:
    assert refused(texts, field) == f"{field}: overlaps {other} on {when}"


# -- what is in force ---------------------------------------------------------------------------------------------
WORKDAY = Schedule([parse_window("mon-fri 09:00-18:00 bandwidth=20MiB", "w"),
                    parse_window("sun 22:00-06:00 qps=5", "w")], default_qps=7, default_bandwidth=MiB)


@pytest.mark.parametrize(("moment", "window", "qps", "bandwidth", "until"), [
    (at(0, "08:59", 59), None, 7.0, MiB, at(0, "09:00")),
    (at(0, "09:00"), "mon-fri 09:00-18:00 bandwidth=20MiB", 7.0, 20 * MiB, at(0, "18:00")),   # 09:00 is inside
    (at(0, "17:59", 59), "mon-fri 09:00-18:00 bandwidth=20MiB", 7.0, 20 * MiB, at(0, "18:00")),
    (at(0, "18:00"), None, 7.0, MiB, at(1, "09:00")),                                          # 18:00 is not
    (at(4, "18:30"), None, 7.0, MiB, at(6, "22:00")),                   # Friday evening to Sunday night
    (at(6, "22:00"), "sun 22:00-06:00 qps=5", 5.0, MiB, at(7, "06:00")),   # runs past the end of the week
    (at(7, "05:59"), "sun 22:00-06:00 qps=5", 5.0, MiB, at(7, "06:00")),   # next Monday, early
    (at(0, "06:00"), None, 7.0, MiB, at(0, "09:00")),
])
def test_at_gives_window_limits_and_next_change(moment: datetime, window: str | None, qps: float, bandwidth: int,
                                                until: datetime) -> None:
    state = WORKDAY.at(moment)
    assert (state.window.text if state.window else None, state.qps, state.bandwidth, state.until) == \
        (window, qps, bandwidth, until)


def test_empty_schedule_and_whole_week_never_change() -> None:
    empty = Schedule([], 3, 4).at(at(2, "12:00"))
    assert (empty.window, empty.qps, empty.bandwidth, empty.until) == (None, 3.0, 4, None)
    always = Schedule([parse_window("daily 00:00-24:00 qps=9", "w")], 3, 4).at(at(6, "23:59"))
    assert (always.qps, always.bandwidth, always.until) == (9.0, 4, None)
    # Adjacent days of one window are one run: the next change of mon-tue is Wednesday 00:00, not Tuesday's.
    two = Schedule([parse_window("mon-tue 00:00-24:00 qps=9", "w")]).at(at(0, "12:00"))
    assert two.until == at(2, "00:00")


def test_schedule_refuses_overlapping_windows_given_directly() -> None:
    with pytest.raises(InputError, match=r"^options.schedule\[1\]: overlaps options.schedule\[0\] on Monday 10:00"):
        Schedule([parse_window("mon 09:00-11:00 qps=1", "w"), parse_window("mon 10:00-12:00 qps=2", "w")])


# -- the driver, on a fake clock ----------------------------------------------------------------------------------
class Stop(Exception):
    """Raised by the fake sleep once the test has seen enough."""


class FakeWallClock:
    """A local wall clock the test moves; sleeping moves it by exactly the time asked for. Before each sleep it
    notes the rates ``limits`` holds, and on waking at a time in ``on_wake`` it plays the operator."""

    def __init__(self, start: datetime, stop: datetime, limits: Limits) -> None:
        self.now = start
        self.stop = stop
        self.limits = limits
        self.slept: list[float] = []
        self.rates: dict[datetime, tuple[float, float]] = {}
        self.on_wake: dict[datetime, Callable[[], None]] = {}
        self.driver: ScheduleDriver | None = None

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.rates[self.now] = (self.limits.requests.rate, self.limits.bytes.rate)
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)
        if self.now in self.on_wake:
            self.on_wake.pop(self.now)()
        if self.now >= self.stop:
            raise Stop


def drive(schedule: Schedule, clock: FakeWallClock) -> list[tuple[datetime, float, int]]:
    """Run a driver on ``clock`` into its Limits until the clock's stop; what it applied, and when."""
    applied: list[tuple[datetime, float, int]] = []

    def apply(qps: float, bandwidth: int) -> None:
        applied.append((clock.now, qps, bandwidth))
        clock.limits.set(qps, bandwidth)

    clock.driver = ScheduleDriver(schedule, apply, clock=clock, sleep=clock.sleep)
    with pytest.raises(Stop):
        asyncio.run(clock.driver.run())
    return applied


def test_driver_switches_real_limits_exactly_at_the_boundary() -> None:
    schedule = Schedule([parse_window("mon-fri 09:00-18:00 bandwidth=20MiB qps=100", "w")], 0, 0)
    limits = Limits(qps=33, bandwidth=33)       # anything: the driver must set both at start
    clock = FakeWallClock(at(0, "08:58", 30), stop=at(0, "18:01"), limits=limits)
    applied = drive(schedule, clock)
    assert applied == [(at(0, "08:58", 30), 0.0, 0), (at(0, "09:00"), 100.0, 20 * MiB), (at(0, "18:00"), 0.0, 0)]
    assert clock.slept[:2] == [60.0, 30.0]           # never past a minute, then exactly to the boundary
    assert max(clock.slept) == 60.0
    assert clock.rates[at(0, "08:59", 30)] == (0.0, 0.0)
    assert clock.rates[at(0, "09:00")] == (100.0, 20 * MiB)   # the wake at 09:00:00 sees the window's limits
    assert clock.rates[at(0, "17:59")] == (100.0, 20 * MiB)
    assert clock.rates[at(0, "18:00")] == (0.0, 0.0)          # and the one at 18:00:00 the defaults again
    assert all(rates == ((100.0, 20 * MiB) if at(0, "09:00") <= t < at(0, "18:00") else (0.0, 0.0))
               for t, rates in clock.rates.items())


def test_override_holds_until_the_next_boundary_then_the_schedule_takes_over() -> None:
    schedule = Schedule([parse_window("mon-fri 09:00-18:00 bandwidth=20MiB qps=100", "w")], 7, 0)
    limits = Limits()
    clock = FakeWallClock(at(0, "10:00"), stop=at(0, "18:02"), limits=limits)
    snaps: dict[str, dict[str, Any]] = {}

    def operator() -> None:
        driver = clock.driver
        assert driver is not None
        driver.override(qps=5, bandwidth=None)
        snaps["during"] = driver.in_force()
        assert (limits.requests.rate, limits.bytes.rate) == (5.0, 20 * MiB)   # applied at once

    def later() -> None:
        assert clock.driver is not None
        snaps["before"] = clock.driver.in_force()
        assert limits.requests.rate == 5.0          # still the operator's, an hour on

    def after() -> None:
        assert clock.driver is not None
        snaps["after"] = clock.driver.in_force()

    clock.on_wake = {at(0, "12:00"): operator, at(0, "17:59"): later, at(0, "18:01"): after}
    applied = drive(schedule, clock)
    assert applied == [(at(0, "10:00"), 100.0, 20 * MiB), (at(0, "12:00"), 5.0, 20 * MiB),
                       (at(0, "18:00"), 7.0, 0)]
    eighteen = at(0, "18:00").timestamp()
    assert snaps["during"] == {"window": "mon-fri 09:00-18:00 bandwidth=20MiB qps=100", "qps_limit": 5.0,
                               "bandwidth_limit": 20 * MiB, "until": eighteen, "override": True}
    assert snaps["before"]["override"] is True
    assert snaps["after"] == {"window": None, "qps_limit": 7.0, "bandwidth_limit": 0,
                              "until": at(1, "09:00").timestamp(), "override": False}
    assert (limits.requests.rate, limits.bytes.rate) == (7.0, 0.0)


def test_override_between_windows_lasts_until_the_next_window_starts() -> None:
    schedule = Schedule([parse_window("mon-fri 09:00-18:00 qps=100", "w")], 7, 0)
    clock = FakeWallClock(at(0, "20:00"), stop=at(1, "09:01"), limits=Limits())

    def operator() -> None:
        assert clock.driver is not None
        clock.driver.override(bandwidth=MiB)
    clock.on_wake = {at(0, "21:00"): operator}
    applied = drive(schedule, clock)
    assert applied == [(at(0, "20:00"), 7.0, 0), (at(0, "21:00"), 7.0, MiB), (at(1, "09:00"), 100.0, 0)]


def test_empty_schedule_applies_nothing_and_an_override_becomes_the_limit() -> None:
    calls: list[tuple[float, int]] = []
    driver = ScheduleDriver(Schedule([], 3, 4), lambda q, b: calls.append((q, b)), clock=lambda: at(0, "12:00"))
    asyncio.run(driver.run())                  # returns at once
    assert calls == []
    assert driver.in_force() == {"window": None, "qps_limit": 3.0, "bandwidth_limit": 4, "until": None,
                                 "override": False}
    driver.override(qps=9)
    assert calls == [(9.0, 4)]
    assert driver.in_force()["qps_limit"] == 9.0 and driver.in_force()["override"] is False


def test_in_force_before_run_reports_the_schedule() -> None:
    driver = ScheduleDriver(WORKDAY, lambda q, b: None, clock=lambda: at(0, "09:30"))
    assert driver.in_force() == {"window": "mon-fri 09:00-18:00 bandwidth=20MiB", "qps_limit": 7.0,
                                 "bandwidth_limit": 20 * MiB, "until": at(0, "18:00").timestamp(),
                                 "override": False}


# -- the task file ------------------------------------------------------------------------------------------------
TASK = """name = "t"
[source]
kind = "local"
path = "/srv/a"
[destination]
kind = "local"
path = "/srv/b"
[options]
qps_limit = 50
"""


def test_task_file_round_trips_a_schedule_without_changing_identity() -> None:
    plain = parse_task_text(TASK)
    assert plain.options.schedule == []
    spec = parse_task_text(TASK + 'schedule = ["MON-FRI 9:00-18:00 bandwidth=20MiB", "sat,sun 00:00-24:00 qps=off"]\n')
    assert spec.options.schedule == ["mon-fri 09:00-18:00 bandwidth=20MiB", "sat,sun 00:00-24:00 qps=off"]
    text = spec.to_toml()
    assert 'schedule = ["mon-fri 09:00-18:00 bandwidth=20MiB", "sat,sun 00:00-24:00 qps=off"]' in text
    again = parse_task_text(text)
    assert again == spec
    assert spec.identity() == plain.identity()
    assert parse_task_text(plain.to_toml()).options.schedule == []
    in_force = Schedule.from_options(spec.options).at(at(0, "10:00"))
    assert (in_force.qps, in_force.bandwidth) == (50.0, 20 * MiB)      # qps not named: the task's own


@pytest.mark.parametrize(("line", "field", "words"), [
    ('schedule = ["mon-fri 09:00-18:00 bandwidth=20MiB", "mon-fry 18:00-20:00 qps=1"]', "options.schedule[1]",
     '"mon-fry" is not a day'),
    ('schedule = ["mon 09:00-18:00 qps=1", "mon 17:00-19:00 qps=2"]', "options.schedule[1]",
     "overlaps options.schedule[0] on Monday 17:00"),
    ("schedule = 5", "options.schedule", "expected a list of windows"),
])
def test_bad_schedule_in_a_task_file_names_the_field(line: str, field: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        parse_task_text(TASK + line + "\n")
    text = str(info.value)
    assert text.startswith(f"{field}: ") and words in text and "\n" not in text, text
