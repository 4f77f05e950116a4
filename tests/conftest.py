"""Shared fixtures: two real SeaweedFS S3 servers (source and destination), fresh buckets, isolated folders."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")   # Qt tests never need a display (screenshots use Xvfb)

from servers.agent_service import AgentProcess  # noqa: E402
from servers.bundles import agent_tarball  # noqa: E402, F401  (fixture)
from servers.cluster import cluster  # noqa: E402, F401  (fixture)
from servers.cos_gateway import CosGateway  # noqa: E402
from servers.faultproxy import FaultProxy  # noqa: E402
from servers.oss_gateway import OssGateway  # noqa: E402
from servers.seaweed import SeaweedS3  # noqa: E402
from servers.secret_service import real_keyring, secret_service  # noqa: E402, F401  (fixtures)


@pytest.fixture(scope="session")
def s3_source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    server = SeaweedS3(tmp_path_factory.mktemp("weed-src"), access_key="srckey-0001",
                       secret_key="srcsecret-VERYSECRET-0001").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_dest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    server = SeaweedS3(tmp_path_factory.mktemp("weed-dst"), access_key="dstkey-0002",
                       secret_key="dstsecret-VERYSECRET-0002").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dest_proxy(s3_dest: SeaweedS3) -> Iterator[FaultProxy]:
    proxy = FaultProxy(s3_dest.endpoint).start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def source_proxy_server(s3_source: SeaweedS3) -> Iterator[FaultProxy]:
    proxy = FaultProxy(s3_source.endpoint).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def src_proxy(source_proxy_server: FaultProxy) -> Iterator[FaultProxy]:
    """The source's fault proxy with no rules and zeroed counters."""
    source_proxy_server.clear()
    yield source_proxy_server
    source_proxy_server.release.set()
    source_proxy_server.clear()


@pytest.fixture
def proxy(dest_proxy: FaultProxy) -> Iterator[FaultProxy]:
    """The destination's fault proxy with no rules and zeroed counters."""
    dest_proxy.clear()
    yield dest_proxy
    dest_proxy.release.set()   # nothing stays held for the next test
    dest_proxy.clear()


COS_ID, COS_KEY, APPID = "test-cos-id-0003", "cos-secret-VERYSECRET-0003", "1250000000"


@pytest.fixture(scope="session")
def cos_gateway(s3_dest: SeaweedS3) -> Iterator[CosGateway]:
    """A COS server side (test gateway, signatures verified) in front of the destination SeaweedFS."""
    gateway = CosGateway(s3_dest, COS_ID, COS_KEY).start()
    yield gateway
    gateway.stop()


OSS_ID, OSS_KEY = "test-oss-id-0004", "oss-secret-VERYSECRET-0004"


@pytest.fixture(scope="session")
def oss_gateway(s3_source: SeaweedS3) -> Iterator[OssGateway]:
    """An OSS server side (test gateway, V1/V4 signatures verified) in front of the source SeaweedFS."""
    gateway = OssGateway(s3_source, OSS_ID, OSS_KEY).start()
    yield gateway
    gateway.stop()


def new_cos_bucket(server: SeaweedS3, stem: str = "cos") -> str:
    """A bucket named as COS names them (with the APPID), created upstream of the gateway."""
    name = f"{stem}-{uuid.uuid4().hex[:10]}-{APPID}"
    server.client().create_bucket(Bucket=name)
    return name


def new_bucket(server: SeaweedS3, stem: str = "b") -> str:
    name = f"{stem}-{uuid.uuid4().hex[:12]}"
    server.client().create_bucket(Bucket=name)
    return name


@pytest.fixture
def src_bucket(s3_source: SeaweedS3) -> str:
    return new_bucket(s3_source, "src")


@pytest.fixture
def dst_bucket(s3_dest: SeaweedS3) -> str:
    return new_bucket(s3_dest, "dst")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated application folder (journals, logs) for this test."""
    path = tmp_path / "home"
    monkeypatch.setenv("MIGRATION_WIZARD_HOME", str(path))
    return path


@pytest.fixture
def service(agent_env: dict[str, str], home: Path) -> Iterator[AgentProcess]:
    """A real ``migration-agent serve`` for this test, stopped cleanly (exit 0) after it."""
    proc = AgentProcess(agent_env, home).start()
    yield proc
    if proc.proc is not None and proc.proc.poll() is None:
        assert proc.stop() == 0


@pytest.fixture
def agent_env(home: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3) -> dict[str, str]:
    """Environment for a migration-agent child: credentials by env reference, isolated folders."""
    env = dict(os.environ)
    env.update({"MIGRATION_WIZARD_HOME": str(home),
                "SRC_ACCESS_KEY_ID": s3_source.access_key, "SRC_SECRET_ACCESS_KEY": s3_source.secret_key,
                "DST_ACCESS_KEY_ID": s3_dest.access_key, "DST_SECRET_ACCESS_KEY": s3_dest.secret_key,
                "COS_ACCESS_KEY_ID": COS_ID, "COS_SECRET_ACCESS_KEY": COS_KEY,
                "OSS_ACCESS_KEY_ID": OSS_ID, "OSS_SECRET_ACCESS_KEY": OSS_KEY})
    return env


def write_task(path: Path, source: dict[str, Any], destination: dict[str, Any], name: str = "t",
               **options: Any) -> Path:
    """Write a task file; values are rendered as TOML."""
    def render(table: dict[str, Any]) -> str:
        out = []
        for k, v in table.items():
            if isinstance(v, bool):
                out.append(f"{k} = {'true' if v else 'false'}")
            elif isinstance(v, (int, float)):
                out.append(f"{k} = {v}")
            elif isinstance(v, list):
                out.append(f"{k} = [{', '.join(repr_toml(x) for x in v)}]")
            else:
                out.append(f"{k} = {repr_toml(v)}")
        return "\n".join(out)
    text = f"name = {repr_toml(name)}\n[source]\n{render(source)}\n[destination]\n{render(destination)}\n"
    if options:
        text += f"[options]\n{render(options)}\n"
    path.write_text(text, encoding="utf-8")
    return path


def repr_toml(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def s3_side(server: SeaweedS3 | str, bucket: str, creds: str, **extra: Any) -> dict[str, Any]:
    endpoint = server if isinstance(server, str) else server.endpoint
    return {"kind": "s3", "endpoint": endpoint, "bucket": bucket, "credentials": creds, **extra}


def agent(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run ``migration-agent`` as a real child process."""
    return subprocess.run([sys.executable, "-m", "wizard.agent.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def agent_popen(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "wizard.agent.cli", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
