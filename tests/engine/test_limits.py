"""Token buckets and the throttle brake, on a fake clock: the arithmetic, not timings."""

from __future__ import annotations

import asyncio

from wizard.engine.limits import Limits, Throttle, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_bucket_paces_requests_at_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, clock=clock, sleep=clock.sleep)

    async def go() -> None:
        for _ in range(30):
            await bucket.acquire()
    asyncio.run(go())
    # 10 tokens of burst, then 20 more at 10/s: two seconds of waiting in all.
    assert abs(clock.now - 2.0) < 1e-6


def test_rate_change_takes_effect_while_waiting_and_zero_means_no_limit() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1, clock=clock, sleep=clock.sleep)

    async def go() -> None:
        await bucket.acquire()
        bucket.set_rate(100)
        for _ in range(100):
            await bucket.acquire()
        before = clock.now
        bucket.set_rate(0)
        for _ in range(1000):
            await bucket.acquire()
        assert clock.now == before
    asyncio.run(go())
    assert clock.now <= 1.01


def test_bandwidth_large_chunks_go_into_debt_not_deadlock() -> None:
    clock = FakeClock()
    limits = Limits(bandwidth=1000, clock=clock, sleep=clock.sleep)

    async def go() -> None:
        for _ in range(4):
            await limits.bytes.acquire(256 * 1024)
    asyncio.run(go())
    assert clock.now > 700  # 1 MiB at 1000 B/s: the limit holds on average


def test_throttle_pauses_everyone_and_grows_then_decays() -> None:
    clock = FakeClock()
    t = Throttle(clock=clock, sleep=clock.sleep, base=1.0, cap=8.0)
    first = t.signal()
    second = t.signal()
    assert 0.5 <= first <= 1.0 and 1.0 <= second <= 2.0
    asyncio.run(t.wait())
    assert clock.slept and clock.slept[-1] >= 1.0
    for _ in range(5):
        t.success()
    assert t.signal() <= 1.0
    assert t.events == 3


def test_an_object_under_way_goes_before_new_objects() -> None:
    """With every token taken, the write of an object already started is served before the reads of objects that
    queued earlier, so objects finish one by one instead of all reading first and all writing later."""
    clock = FakeClock()

    async def sleep(seconds: float) -> None:
        await clock.sleep(seconds)
        await asyncio.sleep(0)   # let the other waiters run, as a real sleep would

    bucket = TokenBucket(1, clock=clock, sleep=sleep)
    served: list[str] = []

    async def request(name: str, urgent: bool) -> None:
        await bucket.acquire(urgent=urgent)
        served.append(name)

    async def go() -> None:
        await bucket.acquire()                       # the burst is spent
        new = [asyncio.create_task(request(f"read {i}", False)) for i in range(3)]
        write = asyncio.create_task(request("write 0", True))   # queued after the reads
        await asyncio.gather(*new, write)
    asyncio.run(go())
    assert served[0] == "write 0" and served[1:] == ["read 0", "read 1", "read 2"]
    assert abs(clock.now - 4.0) < 1.01   # four tokens at 1/s: the order changed, not the rate


def test_gate_marks_an_object_started_after_its_first_request() -> None:
    from wizard.engine.limits import object_started

    limits = Limits(qps=1000)

    async def go() -> list[bool]:
        marker = [False]
        object_started.set(marker)
        await limits.gate()
        first = marker[0]
        await limits.gate()
        return [first, marker[0]]
    assert asyncio.run(go()) == [True, True]
    assert object_started.get() is None   # outside a copy nothing is marked
