"""Where the wizard finds the agent bundle it uploads to a server (``migration-agent-VERSION-linux-ARCH.tar.gz``,
built by ``packaging/build.py agent``).

Looked for, in this order: the folder ``MIGRATION_WIZARD_AGENT_BUNDLES`` names; ``agent-bundles/`` beside the
installed program (the .deb and the Windows installer put them there); ``dist/`` of a checkout.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from wizard import __version__
from wizard.remote.ssh import RemoteError

ARCHES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}


def bundle_name(arch: str, version: str = __version__) -> str:
    return f"migration-agent-{version}-linux-{ARCHES.get(arch, arch)}.tar.gz"


def bundle_dirs() -> list[Path]:
    found = []
    if os.environ.get("MIGRATION_WIZARD_AGENT_BUNDLES"):
        found.append(Path(os.environ["MIGRATION_WIZARD_AGENT_BUNDLES"]))
    if getattr(sys, "frozen", False):
        found.append(Path(sys.executable).resolve().parent / "agent-bundles")
    found.append(Path(__file__).resolve().parents[2] / "dist")
    return found


def find_bundle(arch: str, version: str = __version__) -> Path:
    """The agent bundle of this version for a server of ``arch`` (what ``uname -m`` printed there)."""
    name = bundle_name(arch, version)
    for folder in bundle_dirs():
        if (folder / name).is_file():
            return folder / name
    raise RemoteError("no-bundle", f"there is no agent bundle for {arch} servers ({name}); build it with "
                                   "`make agent-bundle` or install the wizard's package, which carries it")
