"""The rules of wizard/task.py's validation, one per field and shared by the CLI, the API and the wizard: overlapping
source and destination, credential fields never repeated, numbers in range and finite, names and text that can
be written. Each bad value must give one InputError naming its field, in one line."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from wizard.errors import ERROR_CLASSES, InputError, check_error_class
from wizard.secrets import check_reference
from wizard.task import (
    check_concurrency,
    check_part_size,
    check_qps,
    check_threshold,
    parse_rate,
    parse_task,
)

MiB, GiB = 1024**2, 1024**3
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY"   # shaped like a pasted secret


def s3(bucket: str = "photos", prefix: str = "", endpoint: str = "https://s3.example.com", kind: str = "s3",
       **extra: Any) -> dict[str, Any]:
    table = {"kind": kind, "endpoint": endpoint, "bucket": bucket, "prefix": prefix, "credentials": "env:X", **extra}
    if kind == "oss":
        table.setdefault("region", "cn-hangzhou")
    return table


def task(source: dict[str, Any], destination: dict[str, Any], **options: Any) -> dict[str, Any]:
    return {"name": "t", "source": source, "destination": destination, "options": options}


def refused(data: dict[str, Any], field: str) -> str:
    with pytest.raises(InputError) as info:
        parse_task(data, None)
    text = str(info.value)
    assert text.startswith(f"{field}: ") and "\n" not in text, text
    return text


# -- 6. overlapping source and destination ----------------------------------------------------------------------
@pytest.mark.parametrize(("src", "dst"), [
    (s3(prefix="a/"), s3(prefix="a/")),                                   # same bucket and prefix
    (s3(), s3()),                                                         # the whole bucket both sides
    (s3(prefix="a/"), s3(prefix="a/backup/")),                            # destination inside the source
    (s3(prefix="a/b/"), s3(prefix="a/")),                                 # source inside the destination
    (s3(prefix=""), s3(prefix="copy/")),                                  # empty source prefix holds everything
    (s3(prefix="a/"), s3(prefix="")),                                     # empty destination prefix
    (s3(prefix="a"), s3(prefix="ab/")),                                   # "a" lists "ab/...": a string prefix
    (s3(endpoint="https://S3.Example.com"), s3(endpoint="https://s3.example.com:443/")),   # one endpoint
    (s3(endpoint="http://localhost:8333"), s3(endpoint="http://127.0.0.1:8333")),         # the loopback by two names
    (s3(endpoint="http://10.0.0.1:80"), s3(endpoint="http://10.0.0.1")),                 # the default port spelled out
    (s3(kind="oss", endpoint="https://oss-cn-hangzhou-internal.aliyuncs.com"),   # OSS internal / S3 API
     s3(endpoint="https://s3.oss-cn-hangzhou.aliyuncs.com")),
    (s3(kind="cos", bucket="photos-1250000000", endpoint="https://cos.ap-guangzhou.myqcloud.com"),
     s3(kind="s3", bucket="photos-1250000000", endpoint="https://cos.ap-guangzhou.myqcloud.com")),   # across kinds
    (s3(kind="cos", bucket="photos-1250000000", endpoint="https://cos.ap-guangzhou.myqcloud.com"),
     s3(kind="cos", bucket="photos-1250000000", endpoint="https://cos-internal.ap-guangzhou.tencentcos.cn",
        prefix="x/")),
])
def test_overlapping_stores_are_refused(src: dict[str, Any], dst: dict[str, Any]) -> None:
    text = refused(task(src, dst), "destination.prefix")
    assert "overlaps the source" in text


@pytest.mark.parametrize(("src", "dst"), [
    (s3(prefix="a/"), s3(prefix="ab/")),                                  # siblings: neither starts the other
    (s3(prefix="2023/"), s3(prefix="2024/")),
    (s3(bucket="photos"), s3(bucket="photos-copy")),                      # different buckets
    (s3(endpoint="https://s3.example.com"), s3(endpoint="https://s3.example.org")),   # different stores
    (s3(endpoint="http://10.0.0.1:8333"), s3(endpoint="http://10.0.0.1:8334")),       # same host, another port
])
def test_separate_stores_and_sibling_prefixes_are_fine(src: dict[str, Any], dst: dict[str, Any]) -> None:
    parse_task(task(src, dst), None)


def test_overlapping_local_folders_are_refused(tmp_path: Path) -> None:
    src = tmp_path / "srcdir"
    (src / "backup").mkdir(parents=True)
    (tmp_path / "other").mkdir()
    os.symlink(src, tmp_path / "link")
    os.symlink(src / "backup", tmp_path / "backup-link")
    cases = [src, src / "backup", tmp_path, tmp_path / "link", tmp_path / "backup-link", src / "." / "new",
             src / ".." / "srcdir"]
    for dst in cases:
        text = refused(task({"kind": "local", "path": str(src)}, {"kind": "local", "path": str(dst)}),
                       "destination.path")
        assert "source folder" in text, (dst, text)
    # the relative form of the issue: path = "srcdir" into "srcdir/backup", anchored at the task file's folder
    with pytest.raises(InputError, match=r"^destination\.path: the destination folder is inside the source"):
        parse_task(task({"kind": "local", "path": "srcdir"}, {"kind": "local", "path": "srcdir/backup"}), tmp_path)
    for fine in (tmp_path / "other", tmp_path / "srcdir-copy", tmp_path / "other" / "srcdir"):
        parse_task(task({"kind": "local", "path": str(src)}, {"kind": "local", "path": str(fine)}), None)


@pytest.mark.parametrize("endpoint", [f"http://AKID:{SECRET}@s3.example.com", f"https://AKID:{SECRET}/x@host",
                                      f"AKID:{SECRET}@s3.example.com", f"https://user@s3.example.com/{SECRET}"])
def test_an_endpoint_with_a_user_or_password_is_refused_unrepeated(endpoint: str) -> None:
    with pytest.raises(InputError) as info:
        parse_task(task(s3(endpoint=endpoint), s3(bucket="other")), None)
    text = str(info.value)
    assert text.startswith("source.endpoint: must not hold a user name or password") and "not shown" in text
    assert SECRET not in text and "AKID" not in text


# -- 7. a credential field's value is never repeated ----------------------------------------------------------------
@pytest.mark.parametrize("value", [SECRET, f"AKIAIOSFODNN7EXAMPLE:{SECRET}", f"env:{SECRET}", f"keyring:{SECRET}",
                                   f"agent:{SECRET}", f"envx:{SECRET}", f" env:SRC {SECRET}", 12345678901234567890,
                                   [SECRET], {"secret": SECRET}, True])
def test_a_bad_credential_reference_is_never_repeated(value: object) -> None:
    for side in ("source", "destination"):
        with pytest.raises(InputError) as info:
            check_reference(value, f"{side}.credentials")
        text = str(info.value)
        assert text.startswith(f"{side}.credentials: ") and "not shown" in text
        for part in (SECRET, "AKIAIOSFODNN7EXAMPLE", "12345678901234567890"):
            assert part not in text
        data = task(s3(), s3(bucket="other"))
        data[side]["credentials"] = value
        assert SECRET not in refused(data, f"{side}.credentials")


# -- 8. numbers: finite, in range, one function per field -----------------------------------------------------------
INF, NAN = float("inf"), float("nan")


@pytest.mark.parametrize(("option", "value"), [
    *[("bandwidth_limit", v) for v in (INF, -INF, NAN, -1, -0.5, 2**41, 10**400, "9" * 400 + "MiB", "2TiB",
                                       "fast", "-5MiB", True, [1])],
    *[("qps_limit", v) for v in (INF, NAN, -1, 1e7, 10**400, "10", True)],
    *[("part_size", v) for v in (INF, NAN, -1, 0, 1024, "4MiB", "6GiB", 5 * GiB + 1, "1e3", "16 parsecs")],
    *[("multipart_threshold", v) for v in (INF, NAN, -5, "1MiB", "6GiB", 10**30)],
    *[("concurrency", v) for v in (0, -1, 1025, 2**63, 32.0, INF, NAN, "32", True)],
])
def test_bad_numbers_name_the_field_and_the_range(option: str, value: object) -> None:
    text = refused(task(s3(), s3(bucket="other"), **{option: value}), f"options.{option}")
    assert any(r in text for r in ("from 0 (no limit) to", "from 5MiB to 5GiB", "from 1 to 1024")), text
    assert len(text) < 300


def test_edges_of_each_range_are_accepted() -> None:
    assert check_qps(0, "q") == 0 and check_qps(1_000_000, "q") == 1_000_000 and check_qps(0.5, "q") == 0.5
    assert parse_rate(0, "b") == 0 and parse_rate("1TiB", "b") == 2**40 and parse_rate("80Mbit", "b") == 10**7
    assert check_part_size("5MiB", "p") == 5 * MiB and check_part_size("5GiB", "p") == 5 * GiB
    assert check_threshold(5 * MiB, "t") == 5 * MiB and check_threshold("5GiB", "t") == 5 * GiB
    assert check_concurrency(1, "c") == 1 and check_concurrency(1024, "c") == 1024


# -- 9. names and text that cannot be written -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["bad\ud800name", "\udfff", "a\x00b", "line\nbreak", "bell\x07", "tab\tname",
                                  "del\x7f", "sep\u2028x", "x" * 201, "   ", "", 5, None])
def test_bad_task_names_are_refused_by_the_names_rule(name: object) -> None:
    data = task(s3(), s3(bucket="other"))
    data["name"] = name
    refused(data, "name")


@pytest.mark.parametrize(("side", "key", "value"), [
    ("source", "bucket", "ph\ud800otos"), ("source", "prefix", "a\ud800/"), ("destination", "prefix", "x\x00"),
    ("source", "endpoint", "https://s3.example.com\x01"), ("destination", "region", "us\ud800"),
])
def test_text_that_cannot_be_written_names_its_field(side: str, key: str, value: str) -> None:
    data = task(s3(kind="oss", endpoint="https://oss-cn-hangzhou.aliyuncs.com"), s3(bucket="other"))
    data[side][key] = value
    refused(data, f"{side}.{key}")


def test_local_paths_and_globs_with_nul_or_surrogates() -> None:
    refused(task({"kind": "local", "path": "/tmp/a\x00b"}, s3()), "source.path")
    refused(task({"kind": "local", "path": "/tmp/in"}, {"kind": "local", "path": "/tmp/\udc80"}), "destination.path")
    refused(task(s3(), s3(bucket="other"), include=["*.jpg", "a\ud800"]), "options.include")


def test_names_that_are_fine() -> None:
    for name in ("中文任务", "photos 2024 → cos", "emoji 📷", "x" * 200, "  trimmed  "):
        data = task(s3(), s3(bucket="other"))
        data["name"] = name
        assert parse_task(data, None).name == name.strip()


# -- 10. error classes ---------------------------------------------------------------------------------------------
def test_error_class_names_the_valid_ones() -> None:
    with pytest.raises(InputError) as info:
        check_error_class("bogus", "--class")
    assert str(info.value).startswith("--class: 'bogus' is not an error class (one of ")
    assert all(c in str(info.value) for c in ERROR_CLASSES)
    assert check_error_class("permission", "--class") == "permission"
    assert check_error_class("future-class", "--class", {"future-class": 3}) == "future-class"
