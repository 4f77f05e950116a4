"""A URL list with good, missing and malformed lines, redirects, a server without Content-Length or ETag and a
large file read in ranged parts."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import agent, s3_side, write_task
from servers.seaweed import SeaweedS3
from servers.webserver import WebServer
from test_run_s3 import contents, uploads_left

BIG = os.urandom(11 * 1024 * 1024 + 5)
FILES = {"/site/a.txt": b"alpha", "/site/中文 名.txt": "中文内容".encode(), "/site/deep/b.bin": os.urandom(3000),
         "/site/big.bin": BIG, "/other/c.txt": b"gamma"}


@pytest.fixture(scope="module")
def web_server() -> Iterator[WebServer]:
    server = WebServer(FILES).start()
    yield server
    server.stop()


def test_url_list_to_s3(tmp_path: Path, web_server: WebServer, s3_dest: SeaweedS3, dst_bucket: str,
                        agent_env: dict[str, str]) -> None:
    u = web_server.url
    lines = [
        "# photos for the new site",
        f"{u}/site/a.txt",
        "",
        f"{u}/site/%E4%B8%AD%E6%96%87%20%E5%90%8D.txt",
        f"{u}/redirect/site/deep/b.bin",            # answered by a redirect
        f"{u}/chunked/site/deep/c-stream.bin",       # no Content-Length, no ETag (served below)
        f"{u}/site/big.bin",
        f"{u}/site/missing.txt",                     # 404
        "not a url at all",                          # malformed: line 9
        "ftp://127.0.0.1/site/x.txt",                # not http(s): line 10
        f"{u}/loop",                                 # endless redirects
        f"{u}/other/c.txt",
    ]
    FILES["/site/deep/c-stream.bin"] = os.urandom(200_000)
    url_file = tmp_path / "urls.txt"
    url_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = {"kind": "urllist", "list": "urls.txt", "strip_prefix": "site/", "add_prefix": "web/"}
    task = write_task(tmp_path / "t.toml", source, s3_side(s3_dest, dst_bucket, "env:DST"),
                      bandwidth_limit="500MiB", part_size="5MiB", multipart_threshold="5MiB")
    r = agent("run", str(task), env=agent_env)
    assert r.returncode == 3, r.stderr
    got = contents(s3_dest, dst_bucket)
    assert got["web/a.txt"] == b"alpha" and got["web/big.bin"] == BIG
    assert got["web/中文 名.txt"] == FILES["/site/中文 名.txt"]
    assert got["web/redirect/site/deep/b.bin"] == FILES["/site/deep/b.bin"]   # the key comes from the listed URL
    assert got["web/chunked/site/deep/c-stream.bin"] == FILES["/site/deep/c-stream.bin"]
    assert got["web/other/c.txt"] == b"gamma"                     # strip_prefix only where it matches
    assert len(got) == 6
    assert uploads_left(s3_dest, dst_bucket) == []
    assert web_server.requests[("GET", "/site/big.bin")] >= 3     # ranged parts

    out = tmp_path / "failed.csv"
    assert agent("export-failed", str(task), "-o", str(out), env=agent_env).returncode == 0
    rows = {row["key"]: row for row in csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines())}
    assert rows["web/missing.txt"]["error_class"] == "not-found"
    assert rows["#line 9: not a url at all"]["error_class"] == "invalid-url"
    assert "line 9" in rows["#line 9: not a url at all"]["message"]
    assert rows["#line 10: ftp://127.0.0.1/site/x.txt"]["error_class"] == "invalid-url"
    assert rows["web/loop"]["error_code"] == "TooManyRedirects"
    assert len(rows) == 4
