"""Bad input ends with exit 2 and one clear line; a store that refuses ends with exit 1 saying so; secrets
never reach a file, a log or the output."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import agent, s3_side, write_task
from servers.seaweed import SeaweedS3
from test_run_s3 import contents, fill

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


# -- Nothing is written until the input is accepted; every refusal is one line (issue 9, items 6-10) -----------------
PASTED = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzPASTEDSECRET"   # what a secret pasted into a credential field looks like


def written(home: Path) -> list[Path]:
    """Every file the agent left in its folders (journals, locks, task folders, tokens)."""
    return sorted(p for p in home.rglob("*") if p.is_file()) if home.exists() else []


def one_line(r: subprocess.CompletedProcess[str], code: int, *expected: str) -> str:
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def local_task(tmp_path: Path, name: str = "t", options: str = "", src: str = "in", dst: str = "out") -> Path:
    (tmp_path / "in").mkdir(exist_ok=True)
    (tmp_path / "in" / "a.txt").write_text("a", encoding="utf-8")
    task = tmp_path / f"{name}.toml"
    task.write_text(f'name = "{name}"\n[source]\nkind = "local"\npath = "{src}"\n[destination]\nkind = "local"\n'
                    f'path = "{dst}"\n' + (f"[options]\n{options}\n" if options else ""), encoding="utf-8")
    return task


@pytest.mark.parametrize("options", [
    "bandwidth_limit = inf", "bandwidth_limit = -inf", "bandwidth_limit = nan", "bandwidth_limit = -1",
    'bandwidth_limit = "2TiB"', "qps_limit = nan", "qps_limit = inf", "qps_limit = -0.5", "qps_limit = 1e12",
    "part_size = inf", 'part_size = "6GiB"', 'part_size = "1MiB"', "part_size = 0", "multipart_threshold = nan",
    'multipart_threshold = "6GiB"', "concurrency = 0", "concurrency = 100000", "concurrency = 9.5",
    "concurrency = nan", 'name2 = "x"',
])
def test_bad_numbers_exit_2_before_anything_is_written(options: str, tmp_path: Path, home: Path,
                                                        agent_env: dict[str, str]) -> None:
    task = local_task(tmp_path, options=options)
    for command in ("run", "check", "retry-failed"):
        one_line(agent(command, str(task), env=agent_env), 2, "options.")
    assert written(home) == [] and not (tmp_path / "out").exists()


def test_overlapping_folders_are_refused_and_nothing_is_copied(tmp_path: Path, home: Path,
                                                              agent_env: dict[str, str]) -> None:
    (tmp_path / "in" / "backup").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "in")
    for dst in ("in/backup", "in", ".", "link", "link/sub"):
        task = local_task(tmp_path, dst=dst)
        for command in ("run", "check"):
            one_line(agent(command, str(task), env=agent_env), 2, "destination.path: the destination folder")
    assert written(home) == [] and sorted(p.name for p in (tmp_path / "in").rglob("*")) == ["a.txt", "backup"]


def test_overlapping_bucket_prefixes_are_refused(tmp_path: Path, s3_source: SeaweedS3, src_bucket: str,
                                                 home: Path, agent_env: dict[str, str]) -> None:
    fill(s3_source, src_bucket, {"a/x": b"1"})
    for src_prefix, dst_prefix in (("a/", "a/"), ("a/", "a/backup/"), ("", "copy/"), ("a/b/", "a/")):
        task = write_task(tmp_path / "t.toml", s3_side(s3_source, src_bucket, "env:SRC", prefix=src_prefix),
                          s3_side(s3_source.endpoint.replace("127.0.0.1", "localhost"), src_bucket, "env:SRC",
                                  prefix=dst_prefix))
        one_line(agent("run", str(task), env=agent_env), 2, "destination.prefix: the destination overlaps")
    assert written(home) == [] and list(contents(s3_source, src_bucket)) == ["a/x"]


@pytest.mark.parametrize("reference", [PASTED, f"AKIAIOSFODNN7EXAMPLE:{PASTED}", f"env:{PASTED}",
                                       f"keyring:{PASTED}", f"envv:{PASTED}", f"{PASTED} env:SRC"])
def test_a_pasted_secret_is_never_repeated(reference: str, tmp_path: Path, s3_source: SeaweedS3, src_bucket: str,
                                          home: Path, agent_env: dict[str, str]) -> None:
    for side in ("source", "destination"):
        good = s3_side(s3_source, src_bucket, "env:SRC")
        bad = s3_side(s3_source, "other-bucket", reference)
        task = write_task(tmp_path / "t.toml", *((bad, good) if side == "source" else (good, bad)))
        for command in ("run", "check", "status", "export-failed"):
            extra = ("-o", str(tmp_path / "f.csv")) if command == "export-failed" else ()
            r = agent(command, str(task), *extra, env=agent_env)
            line = one_line(r, 2, f"{side}.credentials: ")
            debug = agent(command, str(task), *extra, "--debug", env=agent_env)   # the traceback too
            assert PASTED not in r.stdout + debug.stderr + debug.stdout and "AKIAIOSFODNN7EXAMPLE" not in line
    assert written(home) == []


def test_bad_reference_and_unreachable_store_leave_no_journal(tmp_path: Path, s3_source: SeaweedS3,
                                                              src_bucket: str, home: Path,
                                                              agent_env: dict[str, str]) -> None:
    missing = write_task(tmp_path / "m.toml", s3_side(s3_source, src_bucket, "env:NOPE_MISSING"),
                         {"kind": "local", "path": str(tmp_path / "out")})
    unreachable = write_task(tmp_path / "u.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                             s3_side("http://127.0.0.1:9", "nowhere", "env:DST"))
    wrong = write_task(tmp_path / "w.toml", s3_side(s3_source, "no-such-bucket-here", "env:SRC"),
                       {"kind": "local", "path": str(tmp_path / "out")})
    for command in ("run", "check"):
        one_line(agent(command, str(missing), env=agent_env), 2, "NOPE_MISSING_ACCESS_KEY_ID")
    one_line(agent("run", str(unreachable), env=agent_env), 1, "cannot connect to 127.0.0.1:9")
    one_line(agent("run", str(wrong), env=agent_env), 1, "no-such-bucket-here")
    for task in (missing, unreachable, wrong):   # never ran: said so before any store is asked
        one_line(agent("retry-failed", str(task), env=agent_env), 2, "has not run yet")
    assert written(home) == [] and not (tmp_path / "out").exists()
    for task in (unreachable, wrong):   # check probes the destination (a local one is made), and keeps no journal
        assert agent("check", str(task), env=agent_env).returncode == 1
    assert written(home) == []


def test_serve_with_a_bad_port_writes_no_token_and_no_lock(home: Path, agent_env: dict[str, str]) -> None:
    for port in ("99999", "-1", "65536"):
        for extra in ((), ("--detach",)):
            one_line(agent("serve", "--port", port, *extra, env=agent_env), 2, "--port: ", "0", "65535")
    one_line(agent("serve", "--port", "http", env=agent_env), 2, "--port")
    assert written(home) == []


def test_retry_failed_on_a_task_that_never_ran(tmp_path: Path, home: Path, agent_env: dict[str, str]) -> None:
    task = local_task(tmp_path)
    one_line(agent("retry-failed", str(task), env=agent_env), 2, "has not run yet")
    one_line(agent("retry-failed", str(task), "--journal", str(tmp_path / "j.sqlite"), env=agent_env), 2,
             "has not run yet")
    one_line(agent("status", str(task), env=agent_env), 2, "has not run yet")
    assert not (tmp_path / "out").exists() and written(home) == [] and not (tmp_path / "j.sqlite").exists()


def test_export_failed_output_and_class(tmp_path: Path, home: Path, agent_env: dict[str, str]) -> None:
    task = local_task(tmp_path)
    journal = tmp_path / "j.sqlite"
    assert agent("run", str(task), "--journal", str(journal), env=agent_env).returncode == 0
    before = task.read_bytes(), journal.read_bytes()
    cases = [(str(task), "is the task's task file"), (str(journal), "is the task's journal"),
             (str(tmp_path / "." / "t.toml"), "task file"), (str(tmp_path / "missing" / "f.csv"), "does not exist"),
             (str(tmp_path), "is a folder"), (str(tmp_path / "in"), "is a folder")]
    for output, expected in cases:
        one_line(agent("export-failed", str(task), "--journal", str(journal), "-o", output, env=agent_env), 2,
                 "-o: ", expected)
    assert (task.read_bytes(), journal.read_bytes()) == before
    for command in ("export-failed", "retry-failed"):
        extra = ("-o", str(tmp_path / "f.csv")) if command == "export-failed" else ()
        line = one_line(agent(command, str(task), "--journal", str(journal), "--class", "bogus", *extra,
                              env=agent_env), 2, "--class: 'bogus' is not an error class (one of ")
        assert "permission" in line and "checksum" in line
    assert not (tmp_path / "f.csv").exists()
    r = agent("export-failed", str(task), "--journal", str(journal), "--class", "permission", "-o",
              str(tmp_path / "f.csv"), env=agent_env)
    assert r.returncode == 0 and (tmp_path / "f.csv").exists()
