"""The Sampler on a fake clock: rates over this run's completions only, a smoothed ETA, never below the limits."""

from __future__ import annotations

from wizard.engine.events import Counters, Sampler


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def resumed(clock: Clock, limits: tuple[float, float] = (0.0, 0.0)) -> tuple[Counters, Sampler]:
    """A sampler that saw a first snapshot at zero, then counters loaded from the journal (300 of 378 done)."""
    c = Counters(started=clock.now)
    s = Sampler(c, clock=clock, limits=lambda: limits)
    s.snapshot()                  # the agent may sample before the runner loaded the journal
    c.done_objects, c.done_bytes, c.planned_objects, c.planned_bytes = 300, 300_000, 378, 378_000
    c.listing_done = True
    s.rebase()
    return c, s


def test_counters_loaded_from_the_journal_are_no_rate() -> None:
    clock = Clock()
    c, s = resumed(clock, (10.0, 0.0))
    first = s.snapshot()
    assert first.rate_objects == 0 and first.eta_seconds is None
    for _ in range(4):            # 10 real completions a second under a 10 req/s limit
        clock.now += 0.5
        c.done_objects += 5
        c.done_bytes += 5_000
        c.wire_bytes += 5_000
        p = s.snapshot()
        assert p.rate_objects <= 10.0
    assert p.rate_objects == 10.0


def test_a_jump_without_rebase_is_not_counted() -> None:
    clock = Clock()
    c = Counters(started=clock.now)
    s = Sampler(c, clock=clock)
    c.done_objects, c.failed_objects = 0, 50
    s.snapshot()
    clock.now += 0.5
    c.failed_objects = 0          # retry failed reset the journal's failures: counters went back
    s.snapshot()
    clock.now += 0.5
    c.done_objects = 2
    assert s.snapshot().rate_objects <= 2.0


def test_two_samples_close_together_do_not_spike() -> None:
    clock = Clock()
    c, s = resumed(clock)
    s.snapshot()
    clock.now += 0.01
    c.done_objects += 3
    assert s.snapshot().rate_objects <= 3.0


def test_eta_never_below_what_the_qps_limit_allows() -> None:
    clock = Clock()
    c, s = resumed(clock, (10.0, 0.0))
    s.snapshot()
    clock.now += 1.0
    c.done_objects += 10
    c.wire_bytes += 10_000_000   # a burst of bytes would promise an ETA of almost nothing
    p = s.snapshot()
    assert p.objects["left"] == 68
    assert p.eta_seconds is not None and p.eta_seconds >= 6.8


def test_eta_never_below_what_the_bandwidth_limit_allows() -> None:
    clock = Clock()
    c, s = resumed(clock, (0.0, 1000.0))
    s.snapshot()
    clock.now += 1.0
    c.done_objects += 10
    c.done_bytes += 10_000
    c.wire_bytes += 10_000
    p = s.snapshot()
    assert p.rate_bytes == 1000.0
    assert p.eta_seconds is not None and p.eta_seconds >= p.bytes["left"] / 1000.0


def test_eta_is_smoothed() -> None:
    """A few seconds of stall after a steady rate does not multiply the ETA by ten at once."""
    clock = Clock()
    c, s = resumed(clock)
    c.planned_objects = 10_000
    s.snapshot()
    for _ in range(40):
        clock.now += 0.5
        c.done_objects += 5
        c.wire_bytes += 5_000
        steady = s.snapshot()
    assert steady.eta_seconds is not None
    for _ in range(10):          # 5 s of one object a second
        clock.now += 0.5
        if _ % 2:
            c.done_objects += 1
            c.wire_bytes += 1_000
        p = s.snapshot()
        assert p.eta_seconds is not None and p.eta_seconds < steady.eta_seconds * 3
    assert p.eta_seconds > steady.eta_seconds


def test_a_finished_listing_with_nothing_left_is_zero() -> None:
    clock = Clock()
    c, s = resumed(clock)
    c.done_objects = 378
    assert s.snapshot().eta_seconds == 0.0
