"""AWS Signature Version 4 for S3 requests.

Written here rather than taken from botocore because the signer is on the per-request hot path: botocore's
``S3SigV4Auth`` measured 237 us per request on this hardware, this one about 20 us, and small-object
migrations are bound by per-request CPU. ``tests/storage/test_sigv4.py`` checks it against botocore.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote

UNSIGNED = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def uri_encode(text: str, safe: str = "") -> str:
    """RFC 3986 encoding as SigV4 wants it: unreserved characters stay, everything else is %XX (UTF-8)."""
    return quote(text, safe="-_.~" + safe)


def canonical_query(params: dict[str, str]) -> str:
    """The query string in SigV4 canonical form (sorted, strictly encoded); also usable as the URL query."""
    return "&".join(f"{uri_encode(k)}={uri_encode(v)}" for k, v in sorted(params.items()))


class SigV4Signer:
    """Signs requests for one access key, region and service; signing keys are cached per day."""

    def __init__(self, access_key: str, secret_key: str, region: str, service: str = "s3") -> None:
        self._access_key = access_key
        self._secret = secret_key.encode()
        self.region = region
        self.service = service
        self._day = ""
        self._key = b""

    def __repr__(self) -> str:  # never show the secret, even in a debugger or a traceback's locals
        return f"SigV4Signer(region={self.region!r}, service={self.service!r})"

    def _signing_key(self, day: str) -> bytes:
        if day != self._day:
            k = hmac.new(b"AWS4" + self._secret, day.encode(), hashlib.sha256).digest()
            for part in (self.region, self.service, "aws4_request"):
                k = hmac.new(k, part.encode(), hashlib.sha256).digest()
            self._day, self._key = day, k
        return self._key

    def sign(self, method: str, host: str, path: str, query: str, headers: dict[str, str],
             payload_hash: str = UNSIGNED, now: float | None = None) -> dict[str, str]:
        """Add x-amz-date, x-amz-content-sha256 and Authorization to ``headers`` (returned).

        ``path`` is the already URI-encoded path, ``query`` the canonical query string.
        """
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        day = stamp[:8]
        headers["x-amz-date"] = stamp
        headers["x-amz-content-sha256"] = payload_hash
        signed = {"host": host}
        for name, value in headers.items():
            low = name.lower()
            if low.startswith("x-amz-") or low in ("content-md5", "content-type", "range"):
                signed[low] = " ".join(str(value).split())
        names = sorted(signed)
        canonical = "\n".join([
            method, path, query,
            "".join(f"{n}:{signed[n]}\n" for n in names),
            ";".join(names), payload_hash,
        ])
        scope = f"{day}/{self.region}/{self.service}/aws4_request"
        to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        signature = hmac.new(self._signing_key(day), to_sign.encode(), hashlib.sha256).hexdigest()
        headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={self._access_key}/{scope}, "
                                    f"SignedHeaders={';'.join(names)}, Signature={signature}")
        return headers
