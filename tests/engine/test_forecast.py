"""The forecast before start, against real SeaweedFS servers and real folders: a sampled count whose 95% margin
holds on a known bucket, an exact count when the budget allows, a trial copy that leaves the destination as it
was (or keeps what it copied), and the price table's rules."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest
from agent.test_run_s3 import contents, fill, uploads_left
from conftest import COS_ID, COS_KEY, OSS_ID, OSS_KEY, new_bucket, new_cos_bucket
from servers.seaweed import SeaweedS3

from wizard.engine.forecast import Estimate, estimate, forecast_time, t95
from wizard.engine.trial import trial
from wizard.errors import InputError
from wizard.prices import check_prices, cost, load_prices, save_prices
from wizard.storage.local import LocalStore
from wizard.storage.s3 import S3Store
from wizard.task import parse_task_text


@pytest.fixture(scope="module")
def known_bucket(s3_source: SeaweedS3) -> tuple[str, int, int]:
    """60 folders of 2 to 80 objects each (seeded) and 15 objects at the top: (bucket, objects, bytes)."""
    bucket = new_bucket(s3_source, "known")
    rng = random.Random(15)
    objects = {f"top-{i:02d}.bin": b"t" * rng.randint(10, 400) for i in range(15)}
    for f in range(60):
        for i in range(rng.randint(2, 80)):
            objects[f"folder-{f:02d}/obj-{i:03d}"] = b"x" * rng.randint(1, 3000)
    from concurrent.futures import ThreadPoolExecutor
    client = s3_source.client()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda kv: client.put_object(Bucket=bucket, Key=kv[0], Body=kv[1]), objects.items()))
    return bucket, len(objects), sum(len(v) for v in objects.values())


def s3(server: SeaweedS3, bucket: str) -> S3Store:
    return S3Store(server.endpoint, bucket, server.access_key, server.secret_key)


def run_estimate(store: Any, **kw: Any) -> Estimate:
    async def go() -> Estimate:
        await store.open()
        try:
            return await estimate(store, **kw)
        finally:
            await store.close()
    return asyncio.run(go())


def test_a_sampled_count_is_within_its_stated_margin(s3_source: SeaweedS3,
                                                     known_bucket: tuple[str, int, int]) -> None:
    bucket, objects, size = known_bucket
    est = run_estimate(s3(s3_source, bucket), count_pages=1, sample=15, rng=random.Random(1))
    assert (est.method, est.exact, est.folders, est.sampled) == ("folders", False, 60, 15)
    assert est.objects_margin and est.bytes_margin
    assert abs(est.objects - objects) <= est.objects_margin, est
    assert abs(est.bytes - size) <= est.bytes_margin, est
    assert est.requests <= 1 + 1 + 15                   # a count page, the top level, one page per folder drawn
    # The margin is a 95% interval: over twenty draws it holds (nearly) always, and it is not a blanket.
    draws = [run_estimate(s3(s3_source, bucket), count_pages=1, sample=15, rng=random.Random(seed))
             for seed in range(20)]
    held = sum(abs(d.objects - objects) <= (d.objects_margin or 0) for d in draws)
    assert held >= 17, [(d.objects, d.objects_margin) for d in draws]
    assert max(d.objects_margin or 0 for d in draws) < objects / 2


def test_a_source_that_lists_in_the_budget_is_counted_exactly(s3_source: SeaweedS3,
                                                              known_bucket: tuple[str, int, int]) -> None:
    bucket, objects, size = known_bucket
    est = run_estimate(s3(s3_source, bucket))
    assert (est.objects, est.bytes, est.objects_margin, est.exact, est.method) == (objects, size, 0, True, "exact")
    only = run_estimate(s3(s3_source, bucket), prefix="folder-07/")
    assert only.exact and 2 <= only.objects <= 80
    # Every folder drawn (sample >= folders): exact, whatever the count budget.
    all_drawn = run_estimate(s3(s3_source, bucket), count_pages=1, sample=60, budget=400)
    assert (all_drawn.objects, all_drawn.exact, all_drawn.objects_margin) == (objects, True, 0)


def test_no_folders_and_no_budget_is_a_lower_bound(s3_source: SeaweedS3) -> None:
    bucket = new_bucket(s3_source, "flat")
    fill(s3_source, bucket, {f"flat-{i:04d}": b"f" for i in range(1100)})
    est = run_estimate(s3(s3_source, bucket), count_pages=1, budget=3)
    assert (est.method, est.objects, est.objects_margin, est.exact) == ("lower-bound", 1000, None, False)
    # With the budget for it, a flat listing is simply counted by the level listing.
    est = run_estimate(s3(s3_source, bucket), count_pages=1, budget=10)
    assert (est.method, est.objects, est.objects_margin, est.exact) == ("exact", 1100, 0, True)


def test_folder_listing_of_s3_and_a_local_folder(tmp_path: Path, s3_source: SeaweedS3,
                                                 known_bucket: tuple[str, int, int]) -> None:
    bucket = known_bucket[0]

    async def level(store: Any, prefix: str) -> tuple[list[str], list[str]]:
        await store.open()
        try:
            keys, folders = [], []
            async for objects, names in store.list_level(prefix):
                keys += [o.key for o in objects]
                folders += names
            return keys, folders
        finally:
            await store.close()
    keys, folders = asyncio.run(level(s3(s3_source, bucket), ""))
    assert len(keys) == 15 and folders == [f"folder-{f:02d}/" for f in range(60)]
    root = tmp_path / "tree"
    for rel in ("a.txt", "d1/b.txt", "d1/d2/c.txt", "文档/说明.txt"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x")
    # What list_pages leaves out, a level leaves out: partial writes, and a link to a folder is not followed.
    (root / "d1" / "half.bin.mwpart").write_text("x")
    (root / "loop").symlink_to(root / "d1", target_is_directory=True)
    local = LocalStore(root)
    assert asyncio.run(level(local, "")) == (["a.txt"], ["d1/", "文档/"])
    assert asyncio.run(level(local, "d1/")) == (["d1/b.txt"], ["d1/d2/"])
    assert asyncio.run(level(local, "nowhere/")) == ([], [])
    est = run_estimate(LocalStore(root))
    assert (est.objects, est.exact) == (4, True)


@pytest.mark.parametrize("kind", ["oss", "cos"])
def test_folder_listing_through_oss_and_cos(request: pytest.FixtureRequest, s3_source: SeaweedS3,
                                            s3_dest: SeaweedS3, kind: str) -> None:
    """Keys and folder names with spaces, plus signs and Chinese come back decoded (encoding-type=url)."""
    from wizard.storage.cos import CosStore
    from wizard.storage.oss import OssStore

    store: Any
    if kind == "oss":
        server, bucket = s3_source, new_bucket(s3_source, "ossl")
        store = OssStore(request.getfixturevalue("oss_gateway").endpoint, bucket, OSS_ID, OSS_KEY,
                         region="cn-hangzhou")
    else:
        server, bucket = s3_dest, new_cos_bucket(s3_dest)
        store = CosStore(request.getfixturevalue("cos_gateway").endpoint, bucket, COS_ID, COS_KEY)
    fill(server, bucket, {k: b"x" for k in ("top a+b.txt", "f 1/x", "f 1/sub/w", "f+2/y", "中文/z", "a/r", "a-b/q")})

    async def level(prefix: str) -> tuple[list[str], list[str]]:
        await store.open()
        try:
            keys, folders = [], []
            async for objects, names in store.list_level(prefix):
                keys += [o.key for o in objects]
                folders += names
            return sorted(keys), sorted(folders)
        finally:
            await store.close()
    assert asyncio.run(level("")) == (["top a+b.txt"], sorted(["f 1/", "f+2/", "中文/", "a/", "a-b/"]))
    assert asyncio.run(level("f 1/")) == (["f 1/x"], ["f 1/sub/"])


def task_for(src: SeaweedS3, src_bucket: str, dst: SeaweedS3, dst_bucket: str, options: str = "") -> Any:
    def side(server: SeaweedS3, bucket: str, ref: str) -> str:
        return f'kind = "s3"\nendpoint = "{server.endpoint}"\nbucket = "{bucket}"\ncredentials = "{ref}"\n'
    return parse_task_text(f'name = "trial"\n[source]\n{side(src, src_bucket, "env:SRC")}[destination]\n'
                           f'{side(dst, dst_bucket, "env:DST")}[options]\nconcurrency = 4\n{options}')


@pytest.mark.parametrize("keep", [False, True], ids=["removed", "kept"])
def test_the_trial_copies_only_what_is_missing_and_removes_only_that(s3_source: SeaweedS3, s3_dest: SeaweedS3,
                                                                      keep: bool) -> None:
    src_bucket, dst_bucket = new_bucket(s3_source, "trial"), new_bucket(s3_dest, "trial")
    source = {f"k/{i:03d}": (b"%03d" % i) * 50 for i in range(40)}
    fill(s3_source, src_bucket, source)
    there = {"k/001": b"the destination's own", "k/005": b"keep me"}
    fill(s3_dest, dst_bucket, there)
    spec = task_for(s3_source, src_bucket, s3_dest, dst_bucket)

    async def go() -> Any:
        src, dst = s3(s3_source, src_bucket), s3(s3_dest, dst_bucket)
        for store in (src, dst):
            await store.open()
        try:
            return await trial(spec, src, dst, seconds=1.5, keep=keep)
        finally:
            await src.close()
            await dst.close()
    result = asyncio.run(go())
    assert result.objects > 0 and result.skipped_existing == 2 and result.failed == 0
    assert result.rate_objects > 0 and result.rate_bytes > 0
    after = contents(s3_dest, dst_bucket)
    assert contents(s3_source, src_bucket) == source                 # the source is never changed
    assert {k: after[k] for k in there} == there                      # what was there stays as it was
    if keep:
        assert result.removed == 0 and set(after) == set(there) | set(result.keys)
        assert all(after[k] == source[k] for k in result.keys)
    else:
        assert after == there and result.removed == result.objects


def test_a_copy_still_under_way_after_the_grace_is_cut_and_leaves_nothing(s3_source: SeaweedS3,
                                                                        s3_dest: SeaweedS3) -> None:
    src_bucket, dst_bucket = new_bucket(s3_source, "cut"), new_bucket(s3_dest, "cut")
    big = bytes(range(256)) * (20 * 4096)                                 # 20 MiB: four parts at 2 MiB/s
    fill(s3_source, src_bucket, {"big.bin": big})
    spec = task_for(s3_source, src_bucket, s3_dest, dst_bucket,
                    'part_size = "5MiB"\nmultipart_threshold = "5MiB"\nbandwidth_limit = "2MiB"\n')

    async def go() -> Any:
        src, dst = s3(s3_source, src_bucket), s3(s3_dest, dst_bucket)
        for store in (src, dst):
            await store.open()
        try:
            return await trial(spec, src, dst, seconds=0.5, grace=0.5, keep=True)
        finally:
            await src.close()
            await dst.close()
    result = asyncio.run(go())
    # Kept or not, a copy that did not finish is not left behind: no object, no open multipart upload.
    assert (result.cut, result.objects, result.rate_objects) == (1, 0, 0.0), result
    assert result.rate_bytes > 0                                         # the bytes it did move are measured
    assert contents(s3_dest, dst_bucket) == {} and uploads_left(s3_dest, dst_bucket) == []
    assert contents(s3_source, src_bucket) == {"big.bin": big}


def test_the_trial_keeps_to_the_tasks_limits(s3_source: SeaweedS3, s3_dest: SeaweedS3) -> None:
    src_bucket, dst_bucket = new_bucket(s3_source, "slow"), new_bucket(s3_dest, "slow")
    fill(s3_source, src_bucket, {f"k/{i:03d}": b"x" for i in range(60)})
    spec = task_for(s3_source, src_bucket, s3_dest, dst_bucket, "qps_limit = 6\n")

    async def go() -> Any:
        src, dst = s3(s3_source, src_bucket), s3(s3_dest, dst_bucket)
        for store in (src, dst):
            await store.open()
        try:
            return await trial(spec, src, dst, seconds=2.0)
        finally:
            await src.close()
            await dst.close()
    result = asyncio.run(go())
    # A HEAD, a GET and a PUT per object at 6 requests/s (and a second's burst): a handful in 2 s, not 60.
    assert 1 <= result.objects <= 8, result


def test_time_from_the_trial_and_the_limits() -> None:
    est = Estimate(10_000, 500, 10 * 1024**3, 1024**3, False, "folders", 20)
    t = forecast_time(est, rate_objects=100.0, rate_bytes=1024**2 * 50, qps_limit=0, bandwidth_limit=0)
    assert t is not None and (t.seconds, t.bound_by) == (round(10 * 1024 / 50, 1), "bytes")
    assert t.low < t.seconds < t.high
    capped = forecast_time(est, 100.0, 1024**3, qps_limit=10, bandwidth_limit=0)
    assert capped is not None and (capped.seconds, capped.bound_by) == (2000.0, "qps_limit")
    assert forecast_time(est, 0.0, 0.0, 0, 0) is None
    assert t95(1) == 12.706 and t95(14) == 2.179 and t95(5000) == 1.96


def test_prices_are_the_operators_and_unset_is_not_free(tmp_path: Path) -> None:
    assert load_prices(tmp_path / "none.toml") == {"currency": ""}
    for bad, field in (({"get_per_10k": -1}, "prices.get_per_10k"), ({"put_per_10k": "cheap"}, "prices.put_per_10k"),
                       ({"fee": 1}, "prices.fee"), ({"currency": "x" * 20}, "prices.currency"),
                       ({"list_per_10k": float("nan")}, "prices.list_per_10k")):
        with pytest.raises(InputError) as err:
            check_prices(bad)
        assert str(err.value).startswith(f"{field}: "), str(err.value)
    path = save_prices({"currency": "CNY", "get_per_10k": 0.01, "source_traffic_per_gib": 0.5}, tmp_path / "p.toml")
    prices = load_prices(path)
    c = cost(20_000, 4 * 1024**3, prices, part_size=16 * 1024**2, multipart_threshold=64 * 1024**2)
    lines = {line["item"]: line for line in c["lines"]}
    assert lines["get_per_10k"]["count"] == 20_000 and lines["get_per_10k"]["amount"] == 0.02
    assert lines["source_traffic_per_gib"]["amount"] == 2.0 and lines["put_per_10k"]["amount"] is None
    assert c["total"] == 2.02 and "put_per_10k" in c["unset"] and c["currency"] == "CNY"
    big = cost(10, 10 * 100 * 1024**2, prices, part_size=16 * 1024**2, multipart_threshold=64 * 1024**2)
    assert {line["item"]: line["count"] for line in big["lines"]}["put_per_10k"] == 10 * (7 + 2)
    assert cost(1, 1, {"currency": ""}, part_size=1, multipart_threshold=1)["total"] is None
