"""The signed verification report: made from a real journal, verified, and caught when any byte changes."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import stat
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from wizard.agent.cli import main
from wizard.engine.journal import Journal, Outcome
from wizard.errors import InputError
from wizard.report.build import make_report, sign_folder
from wizard.report.manifest import MANIFEST_HEADER
from wizard.report.signing import KEY_FILE, AgentKey
from wizard.report.texts import TEXTS
from wizard.report.verify import verify_report

MD5 = hashlib.md5(b"hello").hexdigest()
CRC = 2**64 - 5            # needs all 16 hex digits
WEIRD = 'a,b "quoted"\nline two 中文照片 <script>alert(1)</script>.jpg'
TASK = {"name": "照片 <script>alert('x')</script>", "source": "oss:photos/2024/ (https://oss-cn-hangzhou.aliyuncs.com)",
        "destination": "cos:photos-1250000000/", "identity": "0123456789abcdef"}
PASSES = [{"number": 1, "kind": "first", "started": 1_700_000_000.0, "finished": 1_700_003_725.0,
           "listed": 1_234_567, "listed_bytes": 5 << 30, "new": 1_234_567, "changed": 0, "copied": 1_234_560,
           "copied_bytes": 5 << 30, "failed": 7},
          {"number": 2, "kind": "final", "started": 1_700_100_000.0, "finished": 1_700_100_042.0, "listed": 1_234_570,
           "listed_bytes": 5 << 30, "new": 3, "changed": 1, "copied": 4, "copied_bytes": 4096, "failed": 0}]


def fill(j: Journal) -> None:
    """One object of every kind the copier and the planner record."""
    rows = [("plain.txt", 5, MD5, 1.0, "pending", None), ("oss/crc.bin", 2048, MD5, 1.0, "pending", None),
            ("big/multi.bin", 3 << 20, "0" * 32 + "-3", 1.0, "pending", None),
            ("web/size-only", 700, None, 1.0, "pending", None), (WEIRD, 5, MD5, 1.0, "pending", None),
            ("bad.bin", 9, MD5, 1.0, "pending", None), ("left.bin", 11, None, 1.0, "pending", None),
            ("same.txt", 5, MD5, 1.0, "skipped", "identical")]
    j.add_page(rows, "web/size-only", len(rows), sum(r[1] for r in rows))
    ids = {t.key: t.id for t in j.next_todo(0)}
    md5 = {"md5": MD5, "source_etag": MD5, "dest_etag": MD5, "verified": "source", "proof": ["md5"]}
    j.record([
        Outcome(ids["plain.txt"], "done", 1, evidence={"size": 5, **md5}),
        Outcome(ids["oss/crc.bin"], "done", 1, evidence={"size": 2048, "md5": MD5, "crc64": CRC, "source_crc64": CRC,
                                                         "dest_crc64": CRC, "verified": "source",
                                                         "proof": ["crc64", "md5"]}),
        Outcome(ids["big/multi.bin"], "done", 2, evidence={"size": 3 << 20, "parts": 3, "source_etag": "0" * 32 + "-3",
                                                           "dest_etag": "0" * 32 + "-3", "verified": "source",
                                                           "proof": ["multipart-etag"]}),
        Outcome(ids["web/size-only"], "done", 1, evidence={"size": 700, "verified": "size-only",
                                                           "metadata_dropped": ["x-oss-meta-owner"],
                                                           "storage_class_dropped": "ColdArchive"}),
        Outcome(ids[WEIRD], "done", 1, evidence={"size": 5, **md5}),
        Outcome(ids["bad.bin"], "failed", 3, error_class="checksum", error_code="ChecksumMismatch",
                message="bad.bin: bytes read differ from the source's ETag"),
    ])
    # The final pass's check marks what it found as copied.
    j.db.execute("UPDATE objects SET evidence = json_set(evidence, '$.final_check', 'ok') WHERE key = 'oss/crc.bin'")


@pytest.fixture
def journal(tmp_path: Path) -> Any:
    j = Journal(tmp_path / "task.sqlite", "0123456789abcdef", "photos")
    fill(j)
    yield j
    j.close()


@pytest.fixture
def key(tmp_path: Path) -> AgentKey:
    return AgentKey.load_or_create(tmp_path / "signing")


def read_manifest(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_the_manifest_lists_what_is_at_the_destination_and_how_it_was_proven(journal: Journal, key: AgentKey,
                                                                             tmp_path: Path) -> None:
    files = make_report(journal, task=TASK, passes=PASSES, out=tmp_path / "r", lang="en", key=key)
    rows = read_manifest(files.manifest)
    assert rows[0] == MANIFEST_HEADER
    by_key = {r[0]: r for r in rows[1:]}
    assert set(by_key) == {"plain.txt", "oss/crc.bin", "big/multi.bin", "web/size-only", WEIRD, "same.txt"}
    assert by_key["plain.txt"][1:] == ["5", "done", "md5", MD5, "md5"]
    assert by_key["oss/crc.bin"][3:] == ["crc64", f"{CRC:016x}", "crc64+md5+final"]
    assert len(by_key["oss/crc.bin"][4]) == 16
    assert by_key["big/multi.bin"][3:] == ["etag", "0" * 32 + "-3", "multipart-etag"]
    assert by_key["web/size-only"][3:] == ["", "", "size-only"]
    assert by_key["same.txt"][2:] == ["skipped", "md5", MD5, "skipped:identical"]
    assert by_key[WEIRD][1:] == ["5", "done", "md5", MD5, "md5"]      # comma, quotes, newline, Chinese survive
    data = files.data
    assert data["manifest"]["sha256"] == hashlib.sha256(files.manifest.read_bytes()).hexdigest()
    assert data["manifest"]["rows"] == 6
    methods = {m["method"]: (m["objects"], m["bytes"]) for m in data["verified"]["methods"]}
    assert methods == {"md5": (2, 10), "crc64+md5": (1, 2048), "multipart-etag": (1, 3 << 20),
                       "size-only": (1, 700), "skipped:identical": (1, 5)}
    assert data["verified"]["final_checked"] == 1
    assert data["verified"]["copied_by"] == {"source": 4, "size-only": 1}
    assert data["totals"]["failed"] == {"objects": 1, "bytes": 9}
    assert data["totals"]["left"] == {"objects": 1, "bytes": 11}
    assert data["not_carried"] == {"metadata": 1, "storage_class": 1}
    assert data["failures"] == {"checksum": 1}
    assert json.loads(files.report_json.read_text(encoding="utf-8")) == data
    signature = json.loads(files.signature.read_text(encoding="utf-8"))
    assert set(signature) == {"format", "algorithm", "public_key", "fingerprint", "signed_at", "files", "signature"}
    assert signature["files"]["manifest.csv"] == data["manifest"]["sha256"]


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_report_in_either_language_verifies_and_escapes_what_it_shows(journal: Journal, key: AgentKey,
                                                                       tmp_path: Path, lang: str) -> None:
    files = make_report(journal, task=TASK, passes=PASSES, out=tmp_path / "r", lang=lang, key=key)
    verdict = verify_report(files.folder, key.public_key_text())
    assert verdict.ok, verdict.message
    assert verdict.fingerprint == key.fingerprint()
    page = files.report_html.read_text(encoding="utf-8")
    assert f'<html lang="{"zh-CN" if lang == "zh_CN" else "en"}">' in page and '<meta charset="utf-8">' in page
    assert "<script" not in page.lower() and "&lt;script&gt;" in page
    for external in ("src=", "href=", "url(", "@import"):
        assert external not in page
    assert "1,234,567" in page and "MiB" in page and "GiB" in page          # thousands separators, IEC units
    assert key.public_key_text() in page and key.fingerprint() in page
    assert files.data["manifest"]["sha256"] in page and "migration-agent verify-report r" in page
    if lang == "zh_CN":
        for term in ("迁移验收报告", "迁移任务", "源端", "目的端", "失败文件", "最后一次增量迁移", "仅比较大小",
                     "存储类型"):
            assert term in page, term
    else:
        assert "Final pass" in page and "Size only" in page and "Checksum mismatch" in page


def test_every_text_is_in_both_languages() -> None:
    en, zh = TEXTS["en"], TEXTS["zh_CN"]
    assert set(en) == set(zh)
    for k in en:
        fields = {f for _, f, _, _ in string.Formatter().parse(en[k]) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(zh[k]) if f}, k
        assert zh[k].strip(), k


def test_one_changed_byte_is_caught_and_the_file_named(journal: Journal, key: AgentKey, tmp_path: Path) -> None:
    files = make_report(journal, task=TASK, passes=[], out=tmp_path / "r", lang="en", key=key)
    data = bytearray(files.manifest.read_bytes())
    data[-3] ^= 0x01
    files.manifest.write_bytes(bytes(data))
    verdict = verify_report(files.folder)
    assert not verdict.ok
    assert verdict.message == "manifest.csv was changed after the report was signed"
    data[-3] ^= 0x01
    files.manifest.write_bytes(bytes(data))
    assert verify_report(files.folder).ok
    files.report_html.write_text(files.report_html.read_text(encoding="utf-8").replace("1 ", "0 ", 1),
                                 encoding="utf-8")
    verdict = verify_report(files.folder)
    assert not verdict.ok and "report.html" in verdict.message


def test_a_report_signed_again_by_another_key_fails_against_the_pinned_one(journal: Journal, key: AgentKey,
                                                                          tmp_path: Path) -> None:
    files = make_report(journal, task=TASK, passes=[], out=tmp_path / "r", lang="en", key=key)
    other = AgentKey.load_or_create(tmp_path / "other")
    files.manifest.write_bytes(files.manifest.read_bytes() + b"forged.bin,1,done,,,md5\r\n")
    sign_folder(files.folder, other)
    assert verify_report(files.folder).ok                       # a valid signature, by someone
    verdict = verify_report(files.folder, key.public_key_text())
    assert not verdict.ok
    assert other.fingerprint() in verdict.message and key.fingerprint() in verdict.message
    assert "SIGNATURE.json" in verdict.message and verdict.fingerprint == other.fingerprint()


def test_a_changed_missing_or_broken_signature_file_fails(journal: Journal, key: AgentKey, tmp_path: Path) -> None:
    files = make_report(journal, task=TASK, passes=[], out=tmp_path / "r", lang="en", key=key)
    good = json.loads(files.signature.read_text(encoding="utf-8"))
    forged = {**good, "files": {**good["files"], "manifest.csv": "0" * 64}}
    files.signature.write_text(json.dumps(forged), encoding="utf-8")
    verdict = verify_report(files.folder)
    assert not verdict.ok and "SIGNATURE.json does not verify" in verdict.message
    files.signature.write_text("{not json", encoding="utf-8")
    assert "SIGNATURE.json is malformed" in verify_report(files.folder).message
    files.signature.write_text(json.dumps({**good, "signature": "AAAA"}), encoding="utf-8")
    assert "SIGNATURE.json is malformed" in verify_report(files.folder).message
    files.signature.write_text(json.dumps(good), encoding="utf-8")
    assert verify_report(files.folder).ok
    files.report_json.unlink()
    verdict = verify_report(files.folder)
    assert not verdict.ok and verdict.message.startswith("report.json is missing")
    files.signature.unlink()
    verdict = verify_report(files.folder)
    assert not verdict.ok and "SIGNATURE.json is missing" in verdict.message
    with pytest.raises(InputError, match="not a folder"):
        verify_report(tmp_path / "nowhere")
    with pytest.raises(InputError, match="--public-key"):
        verify_report(files.folder, "not-a-key")


def test_the_key_stays_private(journal: Journal, key: AgentKey, tmp_path: Path) -> None:
    path = tmp_path / "signing" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    again = AgentKey.load_or_create(tmp_path / "signing")
    assert again.public_key_text() == key.public_key_text()
    assert len(base64.b64decode(key.public_key_text())) == 32
    assert key.fingerprint().startswith("SHA256:") and len(key.fingerprint()) == 7 + 32 + 7
    pem_body = "".join(path.read_text().splitlines()[1:-1])
    assert pem_body not in repr(key) and "PRIVATE" not in repr(key)
    files = make_report(journal, task=TASK, passes=PASSES, out=tmp_path / "r", lang="zh_CN", key=key)
    for f in files.folder.iterdir():
        text = f.read_bytes()
        assert pem_body.encode() not in text and b"PRIVATE KEY" not in text, f.name


def test_processes_racing_to_make_the_key_end_with_one(tmp_path: Path) -> None:
    code = "import sys; from pathlib import Path; from wizard.report.signing import AgentKey; " \
           "print(AgentKey.load_or_create(Path(sys.argv[1])).public_key_text())"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "k")], stdout=subprocess.PIPE, text=True)
             for _ in range(4)]
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(keys) == 1 and all(p.returncode == 0 for p in procs)
    assert [p.name for p in (tmp_path / "k").iterdir() if not p.name.endswith(".lock")] == [KEY_FILE]


def test_bad_arguments_write_nothing(journal: Journal, key: AgentKey, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--lang"):
        make_report(journal, task=TASK, passes=[], out=tmp_path / "a", lang="fr", key=key)
    assert not (tmp_path / "a").exists()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty"):
        make_report(journal, task=TASK, passes=[], out=busy, lang="en", key=key)
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]
    with pytest.raises(InputError, match="is a file"):
        make_report(journal, task=TASK, passes=[], out=busy / "notes.txt", lang="en", key=key)


def test_the_cli_writes_and_verifies_a_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from wizard.task import load_task

    monkeypatch.setenv("MIGRATION_WIZARD_HOME", str(tmp_path / "home"))
    (tmp_path / "in").mkdir()
    task = tmp_path / "task.toml"
    task.write_text(f'name = "photos"\n[source]\nkind = "local"\npath = "{tmp_path / "in"}"\n'
                    f'[destination]\nkind = "local"\npath = "{tmp_path / "out"}"\n', encoding="utf-8")
    spec = load_task(task)
    jpath = tmp_path / "j.sqlite"
    j = Journal(jpath, spec.identity(), spec.name)
    fill(j)
    j.close()
    out = tmp_path / "report"
    assert main(["report", str(task), "-o", str(out), "--journal", str(jpath), "--lang", "zh_CN"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["SIGNATURE.json", "manifest.csv", "report.html", "report.json"]
    capsys.readouterr()
    assert main(["report-key"]) == 0
    printed = capsys.readouterr().out
    public = printed.splitlines()[0].split(": ", 1)[1]
    assert (tmp_path / "home" / "data" / "signing" / KEY_FILE).is_file()
    assert AgentKey.load_or_create().fingerprint() in printed
    assert main(["verify-report", str(out), "--public-key", public]) == 0
    line = capsys.readouterr().out
    assert line.startswith("OK: ") and line.count("\n") == 1
    html = out / "report.html"
    html.write_bytes(html.read_bytes().replace(b"</body>", b"<p>ok</p></body>"))
    assert main(["verify-report", str(out), "--public-key", public]) == 3
    line = capsys.readouterr().out
    assert line.startswith("FAILED: report.html") and line.count("\n") == 1
    assert main(["verify-report", str(tmp_path / "nowhere")]) == 2
    assert main(["verify-report", str(out), "--public-key", "bm9wZQ=="]) == 2
    assert main(["report", str(task), "-o", str(out), "--journal", str(jpath)]) == 2      # not empty
    assert main(["report", str(task), "-o", str(tmp_path / "r2"), "--journal", str(tmp_path / "none.sqlite")]) == 2
    assert not (tmp_path / "r2").exists()
    with pytest.raises(SystemExit) as exc:
        main(["report", str(task), "-o", str(tmp_path / "r3"), "--lang", "fr"])
    assert exc.value.code == 2
    assert "PRIVATE" not in capsys.readouterr().err
    if os.name == "posix":
        assert stat.S_IMODE((tmp_path / "home" / "data" / "signing" / KEY_FILE).stat().st_mode) == 0o600
