"""The installers, built and used for real: the wheel carries its translations; the agent bundle copies with no
Python on PATH; the .deb installs with dpkg, runs from /usr/bin, validates its desktop entry and leaves nothing
behind on dpkg -r; the Windows installer script compiles. Builds go to this test session's own folders."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import s3_side, write_task
from servers.seaweed import SeaweedS3

from wizard import __version__

ROOT = Path(__file__).resolve().parents[2]
BUILD = [sys.executable, str(ROOT / "packaging" / "build.py")]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
BARE_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"     # no venv, no project Python on it


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    dist, work = tmp_path_factory.mktemp("dist"), tmp_path_factory.mktemp("work")
    env = {**os.environ, "PACKAGING_DIST": str(dist), "PACKAGING_WORK": str(work)}
    yield env
    shutil.rmtree(work, ignore_errors=True)


def build(step: str, env: dict[str, str]) -> str:
    done = subprocess.run([*BUILD, step], env=env, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def bare_env(home: Path) -> dict[str, str]:
    return {"PATH": BARE_PATH, "HOME": str(home), "MIGRATION_WIZARD_HOME": str(home), "LANG": "C.UTF-8"}


def test_the_wheel_carries_its_translations_icon_and_desktop_entry(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    wheel = next(tmp_path.glob("migration_wizard-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for wanted in ("wizard/resources/i18n/wizard_zh_CN.qm", "wizard/resources/icons/migration-wizard.svg",
                   "wizard/resources/migration-wizard.desktop"):
        assert wanted in names, wanted
    # Installed (not editable) into a fresh venv, whose libraries come from this one: the wizard finds its data.
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = venv / "bin" / "pip"
    subprocess.run([str(pip), "install", "-q", "--no-deps", str(wheel)], check=True)
    site = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "libraries-of-the-test-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {**bare_env(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen"}
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import wizard; print(wizard.__file__)"], env=env,
                           capture_output=True, text=True, cwd=tmp_path)
    assert where.stdout.startswith(str(venv)), where   # the wheel's copy, not the checkout
    smoke = subprocess.run([str(venv / "bin" / "migration-wizard"), "--smoke", "--lang", "zh_CN"], env=env,
                           capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert smoke.returncode == 0 and "translations loaded (新建迁移任务" in smoke.stdout, (smoke.stdout, smoke.stderr)


def test_the_agent_bundle_runs_with_no_python_and_copies_a_folder_into_a_bucket(
        agent_tarball: Path, tmp_path: Path, s3_dest: SeaweedS3, dst_bucket: str) -> None:
    tarball = agent_tarball
    assert tarball.stat().st_size <= 60 * 1024 * 1024, tarball.stat().st_size     # the goal: <= 60 MB
    empty = tmp_path / "server"
    empty.mkdir()
    with tarfile.open(tarball) as tar:
        tar.extractall(empty, filter="tar")
    agent = empty / tarball.name.removesuffix(".tar.gz") / "migration-agent"
    names = {p.name for p in agent.parent.rglob("*")}
    assert not any(n.startswith(("libQt6", "PySide6")) for n in names)    # no Qt in the server's bundle
    env = bare_env(tmp_path / "home")
    version = subprocess.run([str(agent), "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert version.stdout.strip() == f"migration-agent {__version__}", version
    folder = tmp_path / "photos"
    (folder / "2024").mkdir(parents=True)
    files = {f"2024/p{i}.jpg": os.urandom(1000 + i) for i in range(20)}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    task = write_task(tmp_path / "t.toml", {"kind": "local", "path": str(folder)},
                      s3_side(s3_dest, dst_bucket, "env:DST"), "bundle-copy")
    env.update({"DST_ACCESS_KEY_ID": s3_dest.access_key, "DST_SECRET_ACCESS_KEY": s3_dest.secret_key})
    done = subprocess.run([str(agent), "run", str(task)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    client = s3_dest.client()
    got = {k: client.get_object(Bucket=dst_bucket, Key=k)["Body"].read() for k in files}
    assert got == files


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("dpkg"), reason="dpkg -i needs root on a Debian host")
def test_the_deb_installs_runs_from_usr_bin_and_dpkg_r_leaves_nothing(out: dict[str, str], tmp_path: Path) -> None:
    if status() not in ("", "not-installed"):
        pytest.fail("migration-wizard is installed on this machine already: dpkg -r it first")
    build("bundle", out)
    build("deb", out)
    deb = Path(out["PACKAGING_DIST"]) / f"migration-wizard_{__version__}_amd64.deb"
    installed = subprocess.run(["dpkg", "-i", str(deb)], capture_output=True, text=True)
    try:
        assert installed.returncode == 0, installed.stderr
        owned = subprocess.run(["dpkg", "-L", "migration-wizard"], capture_output=True, text=True,
                               check=True).stdout.split("\n")
        for program in ("migration-wizard", "migration-agent"):
            assert os.path.realpath(f"/usr/bin/{program}") == f"/opt/migration-wizard/{program}"
        # the agent the wizard deploys to servers, where wizard.remote.bundle looks in an installed program
        assert f"/opt/migration-wizard/agent-bundles/migration-agent-{__version__}-linux-x86_64.tar.gz" in owned
        entry = "/usr/share/applications/migration-wizard.desktop"
        valid = subprocess.run(["desktop-file-validate", entry], capture_output=True, text=True)
        assert valid.returncode == 0, valid.stdout + valid.stderr
        text = Path(entry).read_text(encoding="utf-8")
        assert "Name[zh_CN]=迁移向导" in text and "Icon=migration-wizard" in text
        assert Path("/usr/share/icons/hicolor/scalable/apps/migration-wizard.svg").exists()
        env = {**bare_env(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen"}
        smoke = subprocess.run(["migration-wizard", "--smoke", "--lang", "zh_CN"], env=env, capture_output=True,
                               text=True, timeout=120)
        assert smoke.returncode == 0 and "translations loaded (新建迁移任务" in smoke.stdout, smoke
        src, dst = tmp_path / "src", tmp_path / "dst"
        (src / "a").mkdir(parents=True)
        (src / "a" / "x.bin").write_bytes(os.urandom(3000))
        (src / "y.txt").write_text("你好")
        task = write_task(tmp_path / "t.toml", {"kind": "local", "path": str(src)}, {"kind": "local",
                                                                                   "path": str(dst)}, "deb-copy")
        copied = subprocess.run(["migration-agent", "run", str(task)], env=env, capture_output=True, text=True,
                                timeout=120)
        assert copied.returncode == 0, copied.stderr
        assert (dst / "a" / "x.bin").read_bytes() == (src / "a" / "x.bin").read_bytes()
        assert (dst / "y.txt").read_text() == "你好"
        # Frozen, the agent starts itself in the background (what the wizard asks of it) without `python -m`.
        detached = subprocess.run(["migration-agent", "serve", "--detach"], env=env, capture_output=True, text=True,
                                  timeout=60)
        assert detached.returncode == 0 and detached.stdout.startswith("listening on http://127.0.0.1:"), detached
        info = json.loads((tmp_path / "home" / "data" / "agent" / "agent.json").read_text())
        os.kill(int(info["pid"]), signal.SIGTERM)
    finally:
        removed = subprocess.run(["dpkg", "-r", "migration-wizard"], capture_output=True, text=True)
    assert removed.returncode == 0, removed.stderr
    shared = {"/.", "/usr", "/usr/bin", "/usr/share", "/usr/share/applications", "/usr/share/icons",
              "/usr/share/icons/hicolor", "/usr/share/icons/hicolor/scalable", "/usr/share/icons/hicolor/scalable/apps",
              "/opt"}
    left = [p for p in owned if p and p not in shared and os.path.lexists(p)]
    assert left == [], left[:10]
    assert not os.path.lexists("/opt/migration-wizard")
    assert status() in ("", "not-installed")       # not even a "config-files" record stays


def status() -> str:
    done = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Status}", "migration-wizard"], capture_output=True,
                          text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


@pytest.mark.skipif(not shutil.which("makensis"), reason="Debian's nsis is not installed")
def test_the_windows_installer_script_compiles(out: dict[str, str], tmp_path: Path) -> None:
    fake = tmp_path / "bundle"     # the Windows bundle is built on a Windows runner; any folder proves the script
    fake.mkdir()
    (fake / "migration-wizard.exe").write_bytes(b"MZ")
    (fake / "migration-agent.exe").write_bytes(b"MZ")
    script = ROOT / "packaging" / "windows" / "installer.nsi"
    target = tmp_path / "setup.exe"
    done = subprocess.run(["makensis", "-V2", f"-DVERSION={__version__}", f"-DBUNDLE={fake}", f"-DOUTFILE={target}",
                           str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert target.read_bytes()[:2] == b"MZ"
