"""The forecast of a task before it starts (the wizard's review page, ``migration-agent forecast``): its size from
a sampled listing with a margin, a short measured trial, and the time that gives under the task's limits. The
cost is reckoned where the operator's price table is (``wizard.prices.forecast_cost``), from the same numbers."""

from __future__ import annotations

from typing import Any

from wizard.agent.compose import stores_for
from wizard.engine.forecast import estimate, forecast_time
from wizard.engine.planner import matcher
from wizard.engine.trial import trial
from wizard.errors import InputError
from wizard.secrets import Credentials
from wizard.task import TaskSpec

TRIAL_MAX = 300.0


def check_trial_seconds(value: Any, where: str = "trial_seconds") -> float:
    """Seconds of trial copying: 0 (no trial) to TRIAL_MAX."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= TRIAL_MAX:
        raise InputError(f"{where}: expected seconds of trial copying from 0 (none) to {TRIAL_MAX:.0f}, "
                         f"got {str(value)[:20]!r}")
    return float(value)


async def forecast_task(spec: TaskSpec, *, trial_seconds: float = 20.0, keep: bool = False,
                        credentials: dict[str, Credentials] | None = None) -> dict[str, Any]:
    """The forecast as the API returns it: ``estimate``, ``trial`` (None without one), ``time`` (None without a
    measured rate) and ``notes``, the sentences the numbers rest on."""
    src, dst = stores_for(spec, credentials=credentials or {})
    try:
        for store in (src, dst):
            await store.open()
        o = spec.options
        est = await estimate(src, spec.source.prefix, wanted=matcher(o.include, o.exclude))
        measured = await trial(spec, src, dst, seconds=trial_seconds, keep=keep) if trial_seconds else None
    finally:
        await src.close()
        await dst.close()
    when = forecast_time(est, measured.rate_objects, measured.rate_bytes, o.qps_limit, o.bandwidth_limit) \
        if measured is not None else None
    notes = []
    if est.method == "folders":
        notes.append(f"size sampled: {est.sampled} of {est.folders} folders counted, {est.requests} list requests; "
                     "the margin is a 95% interval")
    elif est.method == "lower-bound":
        notes.append("the source is too large to count quickly and has no folders to sample: at least this many")
    if measured is not None:
        notes.append(f"time from a {measured.elapsed:.0f} s trial: {measured.objects} objects copied"
                     + (" and kept" if keep else f", then removed ({measured.removed})")
                     + (f"; {measured.skipped_existing} already at the destination were left alone"
                        if measured.skipped_existing else ""))
    return {"estimate": est.to_json(), "trial": measured.to_json() if measured is not None else None,
            "time": when.to_json() if when is not None else None,
            "sizes": {"part_size": o.part_size, "multipart_threshold": o.multipart_threshold}, "notes": notes}
