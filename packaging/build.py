"""Build the installers: ``python packaging/build.py bundle|agent|deb|nsis`` (the Makefile's targets).

- ``bundle``: the PyInstaller onedir folder with both programs -> dist/migration-wizard/
- ``agent``:  the agent alone, no Qt -> dist/migration-agent-VERSION-linux-x86_64.tar.gz (self-contained)
- ``deb``:    the bundle as a Debian package (dpkg-deb -Zgzip) -> dist/migration-wizard_VERSION_amd64.deb:
              /opt/migration-wizard (with agent-bundles/, the agent for servers), /usr/bin links, the desktop
              entry and the icon, run-time dependencies
- ``nsis``:   compile the Windows installer script with Debian's makensis (proves it is valid; the Windows
              bundle itself is built by .github/workflows/windows.yml on a Windows runner)

Each prints what it built, its size and how long it took. Builds go to build/ and dist/ in the checkout
(``PACKAGING_WORK`` and ``PACKAGING_DIST`` move them).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Where builds go (the tests build into their own folders)
DIST = Path(os.environ.get("PACKAGING_DIST", ROOT / "dist"))
WORK = Path(os.environ.get("PACKAGING_WORK", ROOT / "build"))
sys.path.insert(0, str(ROOT))
from wizard import __version__  # noqa: E402

# What the wizard needs from Debian at run time (the bundle carries Python, Qt and every library above them).
DEB_DEPENDS = ("libc6 (>= 2.34), libxcb-icccm4, libxcb-keysyms1, libxcb-image0, libxcb-render-util0, "
               "libxcb-xkb1, libxkbcommon-x11-0, libxcb-cursor0, libegl1, libgl1, libfontconfig1, libdbus-1-3, "
               "fonts-wqy-microhei | fonts-noto-cjk")


def size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def say(what: str, path: Path, started: float) -> None:
    print(f"built {path}: {size(path) / 2**20:.0f} MiB in {time.monotonic() - started:.0f} s", flush=True)


def pyinstaller(spec: str) -> None:
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
                    "--distpath", str(DIST), "--workpath", str(WORK), str(HERE / "pyinstaller" / spec)],
                   check=True, cwd=ROOT)


def bundle() -> Path:
    started = time.monotonic()
    pyinstaller("migration-wizard.spec")
    out = DIST / "migration-wizard"
    say("bundle", out, started)
    return out


def agent() -> Path:
    started = time.monotonic()
    pyinstaller("migration-agent.spec")
    machine = platform.machine().lower().replace("amd64", "x86_64")
    name = f"migration-agent-{__version__}-{sys.platform}-{machine}"
    folder = DIST / "migration-agent"
    target = DIST / f"{name}.tar.gz"
    with tarfile.open(target, "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=name)
    say("agent", folder, started)
    say("agent", target, started)
    return target


def deb() -> Path:
    source = DIST / "migration-wizard"
    if not (source / "migration-wizard").exists():
        bundle()
    started = time.monotonic()
    stage = WORK / "deb"
    shutil.rmtree(stage, ignore_errors=True)
    shutil.copytree(source, stage / "opt" / "migration-wizard", symlinks=True)
    # The agent bundle the wizard uploads to servers in semi-managed mode (wizard.remote.bundle looks here).
    tarball = DIST / f"migration-agent-{__version__}-linux-x86_64.tar.gz"
    if not tarball.exists():
        agent()
    (stage / "opt" / "migration-wizard" / "agent-bundles").mkdir()
    shutil.copy(tarball, stage / "opt" / "migration-wizard" / "agent-bundles")
    (stage / "usr" / "bin").mkdir(parents=True)
    for program in ("migration-wizard", "migration-agent"):
        os.symlink(f"/opt/migration-wizard/{program}", stage / "usr" / "bin" / program)
    apps = stage / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    shutil.copy(ROOT / "wizard" / "resources" / "migration-wizard.desktop", apps)
    icons = stage / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps"
    icons.mkdir(parents=True)
    shutil.copy(ROOT / "wizard" / "resources" / "icons" / "migration-wizard.svg", icons)
    control = stage / "DEBIAN"
    control.mkdir()
    installed = size(stage) // 1024
    (control / "control").write_text(
        f"Package: migration-wizard\nVersion: {__version__}\nSection: net\nPriority: optional\n"
        f"Architecture: amd64\nInstalled-Size: {installed}\nDepends: {DEB_DEPENDS}\n"
        "Maintainer: Migration Wizard developers <noreply@invalid>\n"
        "Description: move object storage between clouds, verified and resumable\n"
        " A desktop wizard (Chinese and English) and the migration-agent command that copy buckets between\n"
        " Alibaba Cloud OSS, Amazon S3 and S3-compatible stores, Tencent Cloud COS and local folders.\n",
        encoding="utf-8")
    # No maintainer scripts: Debian's desktop-file-utils and hicolor-icon-theme refresh the menu and the icon
    # cache by their own triggers, and without scripts or conffiles dpkg -r leaves no trace of the package.
    target = DIST / f"migration-wizard_{__version__}_amd64.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build", str(stage), str(target)],
                   check=True, stdout=subprocess.DEVNULL)
    say("deb", target, started)
    return target


def nsis(bundle_dir: Path | None = None) -> Path:
    """Compile the NSIS script against ``bundle_dir`` (the Windows bundle; for a validity check any folder)."""
    started = time.monotonic()
    target = DIST / f"migration-wizard-{__version__}-setup.exe"
    DIST.mkdir(exist_ok=True)
    folder = bundle_dir or DIST / "migration-wizard"
    subprocess.run(["makensis", "-V2", f"-DVERSION={__version__}", f"-DBUNDLE={folder}", f"-DOUTFILE={target}",
                    str(HERE / "windows" / "installer.nsi")],
                   check=True)
    say("nsis", target, started)
    return target


if __name__ == "__main__":
    steps = {"bundle": bundle, "agent": agent, "deb": deb, "nsis": nsis}
    if len(sys.argv) != 2 or sys.argv[1] not in steps:
        sys.exit(f"usage: python packaging/build.py {'|'.join(steps)}")
    steps[sys.argv[1]]()
