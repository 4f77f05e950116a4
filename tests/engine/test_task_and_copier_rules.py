"""Task-file values and the copier's arithmetic."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.engine.copier import backoff, part_size_for
from wizard.engine.events import Counters, Sampler
from wizard.engine.planner import matcher, same_content
from wizard.errors import InputError
from wizard.storage.base import ObjectInfo
from wizard.task import load_task, parse_rate

MiB = 1024 * 1024


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("50MiB", 50 * MiB), ("80Mbit", 10_000_000),
                                             ("1.5 GB", 1_500_000_000), (1048576, 1048576), ("10MB/s", 10**7)])
def test_rates(text: object, value: int) -> None:
    assert parse_rate(text, "options.bandwidth_limit") == value


@pytest.mark.parametrize("bad", ["fast", "-1", "10 parsecs", True, [1]])
def test_bad_rates_name_the_field(bad: object) -> None:
    with pytest.raises(InputError, match=r"^options\.bandwidth_limit: "):
        parse_rate(bad, "options.bandwidth_limit")


def test_part_size_grows_to_fit_ten_thousand_parts() -> None:
    assert part_size_for(64 * MiB, 16 * MiB) == 16 * MiB
    five_tb = 5 * 1024**4
    size = part_size_for(five_tb, 16 * MiB)
    assert -(-five_tb // size) <= 10_000 and size % MiB == 0
    assert part_size_for(1, 1) == 5 * MiB


def test_backoff_is_bounded_and_jittered() -> None:
    values = [backoff(a) for a in range(1, 20) for _ in range(20)]
    assert all(0 <= v <= 10 for v in values) and len(set(values)) > 100


def test_same_content_rules() -> None:
    a = ObjectInfo("k", 3, "0cc175b9c0f1b6a831c399e269772661")
    assert same_content(a, ObjectInfo("k", 3, "0cc175b9c0f1b6a831c399e269772661")) is True
    assert same_content(a, ObjectInfo("k", 3, "92eb5ffee6ae2fec3ad71c777531578f")) is False
    assert same_content(a, ObjectInfo("k", 4, "0cc175b9c0f1b6a831c399e269772661")) is False
    assert same_content(a, ObjectInfo("k", 3, "abc-2")) is None       # multipart: a digest is needed
    assert same_content(ObjectInfo("k", 3, None, crc64=5), ObjectInfo("k", 3, "x", crc64=5)) is True


def test_include_exclude_on_whole_keys() -> None:
    wanted = matcher(["*.jpg", "docs/*"], ["*/tmp/*"])
    assert wanted("a/b.jpg") and wanted("docs/x.txt")
    assert not wanted("a/tmp/b.jpg") and not wanted("a/b.png")
    assert matcher([], [])("anything")


def test_no_eta_until_listing_ends() -> None:
    c = Counters(planned_objects=10, planned_bytes=1000)
    s = Sampler(c)
    assert s.snapshot().eta_seconds is None
    c.listing_done = True
    c.done_objects, c.done_bytes = 10, 1000
    assert s.snapshot().eta_seconds == 0.0


def test_task_roundtrip_and_relative_local_paths(tmp_path: Path) -> None:
    task = tmp_path / "t.toml"
    task.write_text('name = "中文任务"\n[source]\nkind = "local"\npath = "in"\n'
                    '[destination]\nkind = "s3"\nendpoint = "https://s3.example.com"\nbucket = "photos-1"\n'
                    'credentials = "keyring:cos"\n[options]\nsame_name = "skip"\nbandwidth_limit = "80Mbit"\n',
                    encoding="utf-8")
    spec = load_task(task)
    assert spec.source.path == str(tmp_path / "in")
    again = tmp_path / "again.toml"
    again.write_text(spec.to_toml(), encoding="utf-8")
    assert load_task(again) == spec
    assert spec.identity() == load_task(again).identity()


def test_url_list_is_a_source_only(tmp_path: Path) -> None:
    task = tmp_path / "t.toml"
    task.write_text('name = "x"\n[source]\nkind = "local"\npath = "i"\n[destination]\nkind = "urllist"\n'
                    'list = "urls.txt"\n')
    with pytest.raises(InputError, match="destination.kind: a URL list can only be a source"):
        load_task(task)


def test_progress_counts_objects_under_way() -> None:
    c = Counters(planned_objects=1, planned_bytes=100, listing_done=True)
    c.partial_bytes = 40
    snap = Sampler(c).snapshot()
    assert snap.bytes["done"] == 40 and snap.bytes["left"] == 60
    c.partial_bytes, c.done_bytes, c.done_objects = 0, 100, 1
    assert Sampler(c).snapshot().bytes["done"] == 100


def test_storage_class_option_is_a_class_of_the_destination() -> None:
    from wizard.storage.mapping import map_storage_class
    from wizard.task import parse_task_text

    base = ('name = "c"\n[source]\nkind = "local"\npath = "/data"\n[destination]\nkind = "cos"\n'
            'endpoint = "https://cos.ap-guangzhou.myqcloud.com"\nbucket = "b-1250000000"\ncredentials = "env:D"\n'
            '[options]\n')
    spec = parse_task_text(base + 'storage_class = "ARCHIVE"\n')
    assert spec.options.storage_class == "ARCHIVE"
    assert parse_task_text(spec.to_toml()).options.storage_class == "ARCHIVE"
    assert map_storage_class("local", "cos", None, spec.options.storage_class).storage_class == "ARCHIVE"
    with pytest.raises(InputError, match=r"^options.storage_class: 'GLACIER' is not a storage class of the "
                                         r"destination \(one of STANDARD, STANDARD_IA"):
        parse_task_text(base + 'storage_class = "GLACIER"\n')
    with pytest.raises(InputError, match="source.path: must be an absolute path"):
        parse_task_text(base.replace('"/data"', '"data"'))
