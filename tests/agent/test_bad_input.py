"""Bad input ends with exit 2 and one clear line; a store that refuses ends with exit 1 saying so; secrets
never reach a file, a log or the output."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import agent, s3_side, write_task
from servers.seaweed import SeaweedS3
from test_run_s3 import fill

GOOD_SOURCE = '[source]\nkind = "local"\npath = "in"\n'
GOOD_DEST = '[destination]\nkind = "local"\npath = "out"\n'


@pytest.mark.parametrize(("text", "expected"), [
    ('name = "x"\n[source\nkind = "s3"', "is not valid TOML"),
    ('name = "x"\n[source]\nkind = "ftp"\npath = "."\n' + GOOD_DEST, "source.kind: unknown kind 'ftp'"),
    ('name = "x"\n[source]\nkind = "s3"\nendpoint = "htp:/oops"\nbucket = "abc"\ncredentials = "env:SRC"\n'
     + GOOD_DEST, "source.endpoint: 'htp:/oops' is not an endpoint URL"),
    ('name = "x"\n' + GOOD_SOURCE + GOOD_DEST + '[options]\nsame_name = "replace"\n',
     "options.same_name: 'replace' is not one of overwrite, skip, skip-identical, newer"),
    ('name = "x"\n' + GOOD_SOURCE + GOOD_DEST + '[options]\nbandwidth_limit = "fast"\n',
     'options.bandwidth_limit: "fast" is not bytes per second'),
    ('name = "x"\n' + GOOD_SOURCE + GOOD_DEST + '[options]\nspeed = 3\n', "options.speed: unknown option"),
    ('name = "x"\n[source]\nkind = "s3"\nendpoint = "http://127.0.0.1:9"\nbucket = "abc"\n'
     'credentials = "env:NOPE_MISSING"\n' + GOOD_DEST,
     "source.credentials: environment variable NOPE_MISSING_ACCESS_KEY_ID and NOPE_MISSING_SECRET_ACCESS_KEY "
     "are not set"),
    ('name = "x"\n[source]\nkind = "s3"\nendpoint = "http://127.0.0.1:9"\nbucket = "abc"\n'
     'credentials = "plain-secret"\n' + GOOD_DEST, "source.credentials: expected \"env:PREFIX\" or \"keyring:NAME\""),
])
def test_bad_task_file_exit_2_one_line(text: str, expected: str, tmp_path: Path, agent_env: dict[str, str]) -> None:
    task = tmp_path / "t.toml"
    task.write_text(text, encoding="utf-8")
    for command in ("run", "check"):
        r = agent(command, str(task), env=agent_env)
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], r.stderr
        assert "Traceback" not in r.stderr


def test_bad_arguments_exit_2(tmp_path: Path, agent_env: dict[str, str]) -> None:
    assert agent("frobnicate", env=agent_env).returncode == 2
    r = agent("run", str(tmp_path / "missing.toml"), env=agent_env)
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_wrong_secret_exit_1_saying_so(tmp_path: Path, s3_source: SeaweedS3, src_bucket: str,
                                       agent_env: dict[str, str]) -> None:
    env = {**agent_env, "SRC_SECRET_ACCESS_KEY": "not-the-secret-0000"}
    task = write_task(tmp_path / "t.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      {"kind": "local", "path": str(tmp_path / "out")})
    r = agent("run", str(task), env=env)
    assert r.returncode == 1
    assert "refused the credentials" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "not-the-secret-0000" not in r.stderr + r.stdout
    r = agent("check", str(task), env=env)
    assert r.returncode == 1 and "FAIL" in r.stdout and "refused the credentials" in r.stdout


def test_check_passes_and_estimates(tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str,
                                    dst_bucket: str, agent_env: dict[str, str]) -> None:
    fill(s3_source, src_bucket, {f"k{i}": b"x" * 100 for i in range(5)})
    task = write_task(tmp_path / "t.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(s3_dest, dst_bucket, "env:DST"))
    r = agent("check", str(task), env=agent_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "the source holds 5 objects, 500 B" in r.stdout
    assert "probe object was written" in r.stdout
    assert s3_dest.client().list_objects_v2(Bucket=dst_bucket).get("KeyCount", 0) == 0  # probe removed


def test_no_secret_in_any_file_or_output(tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, home: Path,
                                         src_bucket: str, dst_bucket: str, agent_env: dict[str, str]) -> None:
    fill(s3_source, src_bucket, {"a": b"1", "b": b"2"})
    task = write_task(tmp_path / "t.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(s3_dest, dst_bucket, "env:DST"))
    outputs = []
    for args in (("run", str(task), "--json", "--debug"), ("status", str(task)),
                 ("export-failed", str(task), "-o", str(tmp_path / "f.csv")), ("check", str(task), "--debug")):
        r = agent(*args, env=agent_env)
        outputs.append(r.stdout + r.stderr)
    secrets = [s3_source.secret_key, s3_dest.secret_key]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".sqlite" for p in written)
    for path in written:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, f"secret found in {path}"
    for text in outputs:
        for secret in secrets:
            assert secret not in text
    assert not any(os.environ.get("SRC_SECRET_ACCESS_KEY", "") == s for s in secrets)  # test env stays clean
