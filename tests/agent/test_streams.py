"""The event streams' rules without a server: one snapshot sampled per tick for every subscriber, everything queued
written at once, and a client that falls behind loses only object_failed events (then gets `lagged` and the
current state), never a state change or the end. Also the agent's connection budget: first come, first served."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from wizard.agent import streams
from wizard.agent.resources import ConnectionBudget
from wizard.agent.streams import Broadcaster, Subscriber


def parse(data: bytes) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in data.decode().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        if lines:
            out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_one_sample_per_tick_shared_and_a_lagging_client_keeps_what_matters() -> None:
    async def run() -> None:
        calls = [0]

        def snapshot() -> dict[str, Any]:
            calls[0] += 1
            return {"state": "running", "done": calls[0] // 4}

        hub = Broadcaster(snapshot, every=0.05)
        subs = [Subscriber() for _ in range(100)]
        for sub in subs:
            hub.add(sub)
        joined = calls[0]
        await asyncio.sleep(0.52)
        ticks = calls[0] - joined
        assert 8 <= ticks <= 11, ticks               # one sample a tick for 100 subscribers, not one each

        fast, slow = subs[0], subs[1]
        fast.take()
        slow.take()
        for i in range(streams.BACKLOG + 500):
            hub.publish({"type": "object_failed", "key": f"k{i}"})
            if i % 1000 == 0:
                hub.publish({"type": "state", "state": "running"})
                fast.take()                           # a fast reader drains all that is queued each turn
        hub.publish({"type": "task_finished", "status": "completed_with_failures"})
        written: list[bytes] = []

        async def write(chunk: bytes) -> None:
            written.append(chunk)
        slow.end()
        await streams.follow(slow, hub, write)
        assert len(written) == 1                      # everything queued went out in one write
        events = parse(written[0])
        kinds = [k for k, _ in events]
        assert kinds.count("object_failed") == streams.BACKLOG
        assert kinds.count("state") == (streams.BACKLOG + 500 + 999) // 1000
        assert "task_finished" in kinds
        lagged = [d for k, d in events if k == "lagged"]
        assert lagged == [{"type": "lagged", "dropped": 500, "state": "running"}]
        assert kinds[-2:] == ["lagged", "snapshot"]  # the current state right after the lag
        hub.end_all()

    asyncio.run(run())


def test_a_client_that_goes_away_is_ended_by_the_next_tick() -> None:
    async def run() -> None:
        hub = Broadcaster(lambda: {"state": "created"}, every=0.05)
        alive = [True]
        sub = Subscriber(lambda: alive[0])
        hub.add(sub)
        follower = asyncio.create_task(streams.follow(sub, hub, lambda chunk: asyncio.sleep(0)))
        await asyncio.sleep(0.1)
        assert not follower.done()
        alive[0] = False
        await asyncio.wait_for(follower, 0.5)         # not at the next 15 s keep-alive
        hub.discard(sub)
        assert len(hub) == 0

    asyncio.run(run())


def test_connection_budget_queues_in_order_and_a_cancelled_wait_takes_nothing() -> None:
    async def run() -> None:
        budget = ConnectionBudget(100)
        assert budget.fit(500) == 100
        await budget.acquire(60)
        order: list[str] = []

        async def task(name: str, n: int) -> None:
            await budget.acquire(n)
            order.append(name)

        big = asyncio.create_task(task("big", 80))
        small = asyncio.create_task(task("small", 10))   # fits now, but waits behind the one before it
        gone = asyncio.create_task(task("gone", 30))
        await asyncio.sleep(0)
        assert order == [] and budget.free == 40
        gone.cancel()
        await asyncio.sleep(0)
        budget.release(60)
        await asyncio.gather(big, small)
        assert order == ["big", "small"] and budget.free == 10

    asyncio.run(run())
