"""Pre-flight checks (``migration-agent check``): each one passes or says, in one sentence, what to fix."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from wizard.errors import StorageError
from wizard.storage.base import Store
from wizard.task import TaskSpec
from wizard.units import human_bytes

SKEW_LIMIT = 15 * 60      # S3-style signatures are refused beyond 15 minutes of clock difference
SAMPLE_PAGES = 10


@dataclass
class Check:
    """One check's result."""

    name: str
    ok: bool
    message: str
    error_class: str = ""          # why it failed, as a code the GUI translates (auth, bucket, permission, ...)
    code: str = ""                 # the store's own code (SignatureDoesNotMatch, AccessDenied, ...)
    detail: dict[str, object] = field(default_factory=dict)   # numbers the sentence carries, for translation

    def to_json(self) -> dict[str, object]:
        return {"type": "check", "name": self.name, "ok": self.ok, "message": self.message,
                "error_class": self.error_class, "code": self.code, "detail": self.detail}


async def run_checks(spec: TaskSpec, src: Store, dst: Store) -> list[Check]:
    """Run every check; a failed store check skips the checks that need that store."""
    out: list[Check] = []
    src_ok = await store_check(out, "source", src, spec.source.describe(), write=False)
    dst_ok = await store_check(out, "destination", dst, spec.destination.describe(), write=True)
    if dst_ok:
        await write_probe(out, dst, spec.destination.prefix)
    for name, store, ok in (("source", src, src_ok), ("destination", dst, dst_ok)):
        if ok:
            await _skew(out, name, store)
    if src_ok:
        await _estimate(out, src, spec.source.prefix)
    return out


async def store_check(out: list[Check], name: str, store: Store, label: str, write: bool) -> bool:
    """Reachable, credentials accepted, bucket present; appends its row and says whether it passed."""
    try:
        await store.check(write)
    except StorageError as exc:
        out.append(Check(f"{name}-access", False, f"{name} {label}: {exc.message}", exc.error_class, exc.code,
                         detail={"store": store.name, "address": address(store)}))
        return False
    what = "is readable" if store.name == "local" and not write else "is writable" if store.name == "local" \
        else "is reachable and the credentials are accepted"
    # The store's kind goes with the row: a local folder has no AccessKey to accept, the GUI says what was proven.
    out.append(Check(f"{name}-access", True, f"{name} {label} {what}", detail={"store": store.name}))
    return True


def address(store: Store) -> str:
    """HOST:PORT the store connects to (the default port of its scheme when the endpoint names none), or ""."""
    endpoint = str(getattr(store, "endpoint_text", "") or "")
    if not endpoint:
        return ""
    parts = urlsplit(endpoint if "://" in endpoint else "https://" + endpoint)
    try:
        port = parts.port or (80 if parts.scheme == "http" else 443)
    except ValueError:
        return parts.netloc
    host = parts.hostname or ""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def write_probe(out: list[Check], dst: Store, prefix: str) -> None:
    """Write and delete a small object: the credentials may write, not only read."""
    key = f"{prefix}.migration-wizard-probe-{uuid.uuid4().hex[:12]}"
    try:
        await dst.write(key, b"migration-wizard write probe\n", 29)
        await dst.delete(key)
    except StorageError as exc:
        out.append(Check("destination-write", False,
                         f"the destination does not accept writes ({exc.code}): grant write permission "
                         "for this bucket and prefix", exc.error_class, exc.code))
        return
    out.append(Check("destination-write", True, "a probe object was written to the destination and removed"))


async def _skew(out: list[Check], name: str, store: Store) -> None:
    try:
        server = await store.server_time()
    except StorageError:
        server = None
    if server is None:
        return
    skew = time.time() - server
    if abs(skew) > SKEW_LIMIT:
        out.append(Check(f"{name}-clock", False, f"this computer's clock is {abs(skew):.0f} s "
                         f"{'ahead of' if skew > 0 else 'behind'} the {name}'s: set the clock right (NTP)",
                         "clock", "ClockSkew", {"skew": round(skew)}))
    else:
        out.append(Check(f"{name}-clock", True, f"clock differs from the {name}'s by {abs(skew):.0f} s",
                         detail={"skew": round(skew)}))


async def _estimate(out: list[Check], src: Store, prefix: str) -> None:
    count = size = pages = 0
    complete = True
    try:
        async for page in src.list_pages(prefix):
            pages += 1
            count += len(page)
            size += sum(o.size for o in page)
            if pages >= SAMPLE_PAGES:
                complete = False
                break
    except StorageError as exc:
        out.append(Check("source-list", False, f"the source cannot be listed ({exc.code}): grant list permission",
                         exc.error_class, exc.code))
        return
    what = f"{count:,} objects, {human_bytes(size)}" if complete else f"more than {count:,} objects " \
        f"(first {count:,}: {human_bytes(size)}, about {human_bytes(size // max(count, 1))} each)"
    out.append(Check("source-list", True, f"the source holds {what}",
                     detail={"objects": count, "bytes": size, "complete": complete}))
