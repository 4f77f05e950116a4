"""How big a task is before it starts: objects and bytes from a sampled listing, with a 95 % error margin.

A source that lists in a few pages is simply counted (exact). A larger one is sampled by its folders (the
"/"-delimited prefixes, ``Store.list_level``): the objects directly under the prefix are counted, the folders
are listed by name, ``k`` of the ``N`` folders are drawn at random without replacement and counted whole, and
the total is estimated as direct + N/k * sum(x_i). A sampled folder too big for its share of the budget is
estimated the same way one level down, and its own variance is carried up (two-stage cluster sampling):

    Var = N^2 (1 - k/N) s^2 / k + (N/k)^2 * sum(Var_i)

The margin is t(0.975, k - 1) * sqrt(Var): a 95 % interval when the folders drawn are like the others, which
is what random drawing gives. A prefix that has no folders and does not list in the budget gets an honest lower
bound ("more than N objects") and no margin. Bytes are estimated alike.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass

from wizard.storage.base import Store

# Two-sided 95 % quantiles of Student's t by degrees of freedom; between entries the smaller df is used
# (a wider, conservative margin).
_T95 = ((1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571), (6, 2.447), (7, 2.365), (8, 2.306),
        (9, 2.262), (10, 2.228), (12, 2.179), (15, 2.131), (20, 2.086), (25, 2.060), (30, 2.042), (40, 2.021),
        (60, 2.000), (120, 1.980))


def t95(df: int) -> float:
    """Student's t for a two-sided 95 % interval with ``df`` degrees of freedom (1.96 from df 1000 up)."""
    if df >= 1000:
        return 1.960
    return next(t for d, t in reversed(_T95) if d <= max(df, 1))


@dataclass
class Estimate:
    """Objects and bytes under a prefix; margins are the half-width of a 95 % interval (0 when exact, None for a
    lower bound)."""

    objects: int
    objects_margin: int | None
    bytes: int
    bytes_margin: int | None
    exact: bool
    method: str            # exact | folders | lower-bound
    requests: int          # list requests the estimate made
    folders: int = 0       # folders at the top level, and how many of them were drawn
    sampled: int = 0

    def to_json(self) -> dict[str, object]:
        return asdict(self)


class _Budget:
    def __init__(self, pages: int) -> None:
        self.left, self.used = pages, 0

    def take(self) -> None:
        self.left -= 1
        self.used += 1


class _TooBig(Exception):
    """A level whose folder names alone do not list within its share of the budget."""


@dataclass
class _Part:
    objects: float
    bytes: float
    var_objects: float
    var_bytes: float
    exact: bool


async def estimate(store: Store, prefix: str = "", *, wanted: Callable[[str], bool] | None = None,
                   budget: int = 200, sample: int = 30, rng: random.Random | None = None,
                   count_pages: int | None = None) -> Estimate:
    """Estimate the objects and bytes under ``prefix`` within ``budget`` list requests (pages of up to 1,000);
    a plain count is tried first with ``count_pages`` of them (half the budget where folders can be sampled
    with the rest, else all of it)."""
    keep = wanted or (lambda key: True)
    rng = rng or random.Random()
    spend = _Budget(budget)
    sampled_by_folders = store.features.folders and (not prefix or prefix.endswith("/"))
    if count_pages is None:
        count_pages = budget // 2 if sampled_by_folders else budget
    # A plain count first, with half the budget: most buckets end inside it and need no statistics.
    count = size = 0
    done = True
    async for page in store.list_pages(prefix):
        spend.take()
        chosen = [o for o in page if keep(o.key)]
        count += len(chosen)
        size += sum(max(o.size, 0) for o in chosen)
        if spend.used >= count_pages:
            done = False
            break
    if done:
        return Estimate(count, 0, size, 0, True, "exact", spend.used)
    if sampled_by_folders:
        try:
            top, folders, sampled = await _level(store, prefix, keep, spend, sample, rng)
        except _TooBig:
            pass
        else:
            df = max(sampled - 1, 1)
            margin_objects = t95(df) * math.sqrt(top.var_objects)
            margin_bytes = t95(df) * math.sqrt(top.var_bytes)
            return Estimate(round(top.objects), round(margin_objects), round(top.bytes), round(margin_bytes),
                            top.exact, "exact" if top.exact else "folders", spend.used, folders, sampled)
    return Estimate(count, None, size, None, False, "lower-bound", spend.used)


async def _count(store: Store, prefix: str, keep: Callable[[str], bool], spend: _Budget,
                 pages: int) -> tuple[int, int] | None:
    """The whole count under ``prefix`` if it lists in ``pages`` requests, else None."""
    n = b = used = 0
    async for page in store.list_pages(prefix):
        spend.take()
        used += 1
        chosen = [o for o in page if keep(o.key)]
        n += len(chosen)
        b += sum(max(o.size, 0) for o in chosen)
        if used >= pages:
            return None
    return n, b


async def _level(store: Store, prefix: str, keep: Callable[[str], bool], spend: _Budget, sample: int,
                 rng: random.Random) -> tuple[_Part, int, int]:
    """This level's estimate, with how many folders it has and how many were drawn."""
    direct_n = direct_b = 0
    folders: list[str] = []
    async for objects, names in store.list_level(prefix):
        spend.take()
        if spend.left <= 0:
            raise _TooBig(prefix)
        chosen = [o for o in objects if keep(o.key)]
        direct_n += len(chosen)
        direct_b += sum(max(o.size, 0) for o in chosen)
        folders.extend(names)
    n = len(folders)
    if n == 0:
        return _Part(direct_n, direct_b, 0.0, 0.0, True), 0, 0
    k = min(n, max(2, sample))
    drawn = rng.sample(folders, k)
    share = max(2, spend.left // k)
    xs: list[tuple[float, float]] = []
    inner_var_n = inner_var_b = 0.0
    exact = k == n
    for folder in drawn:
        whole = await _count(store, folder, keep, spend, share)
        if whole is not None:
            xs.append((float(whole[0]), float(whole[1])))
            continue
        part, _f, _s = await _level(store, folder, keep, spend, sample, rng)
        xs.append((part.objects, part.bytes))
        inner_var_n += part.var_objects
        inner_var_b += part.var_bytes
        exact = exact and part.exact
    scale = n / k
    total_n = direct_n + scale * sum(x for x, _ in xs)
    total_b = direct_b + scale * sum(y for _, y in xs)
    fpc = 1 - k / n
    var_n = n * n * fpc * _variance([x for x, _ in xs]) / k + scale * scale * inner_var_n
    var_b = n * n * fpc * _variance([y for _, y in xs]) / k + scale * scale * inner_var_b
    return _Part(total_n, total_b, var_n, var_b, exact and fpc == 0), n, k


def _variance(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


@dataclass
class TimeForecast:
    """Seconds the copy should take, with a range from the count's margin; what bounds it."""

    seconds: float
    low: float
    high: float
    bound_by: str          # objects | bytes | qps_limit | bandwidth_limit

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def forecast_time(est: Estimate, rate_objects: float, rate_bytes: float, qps_limit: float, bandwidth_limit: int,
                  requests_per_object: float = 2.0) -> TimeForecast | None:
    """Time from the trial's measured rates scaled to the estimate: the larger of objects / objects-per-second
    and bytes / bytes-per-second (a workload is bound by its per-object cost or by its bytes, whichever is
    slower), never below what the task's limits allow. None without a measured rate."""
    if rate_objects <= 0 and rate_bytes <= 0:
        return None

    def seconds(objects: float, size: float) -> tuple[float, str]:
        options = [(objects / rate_objects if rate_objects > 0 else 0.0, "objects"),
                   (size / rate_bytes if rate_bytes > 0 else 0.0, "bytes")]
        if qps_limit > 0:
            options.append((objects * requests_per_object / qps_limit, "qps_limit"))
        if bandwidth_limit > 0:
            options.append((size / bandwidth_limit, "bandwidth_limit"))
        return max(options)

    mid, bound = seconds(est.objects, est.bytes)
    m_o, m_b = est.objects_margin or 0, est.bytes_margin or 0
    low, _ = seconds(max(est.objects - m_o, 0), max(est.bytes - m_b, 0))
    high, _ = seconds(est.objects + m_o, est.bytes + m_b)
    return TimeForecast(round(mid, 1), round(low, 1), round(high, 1), bound)
