"""The SigV4 signer agrees with botocore's, byte for byte, on odd keys and queries."""

from __future__ import annotations

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from wizard.storage.sigv4 import EMPTY_SHA256, SigV4Signer, canonical_query, uri_encode

NOW = 1_795_430_000.0


@pytest.mark.parametrize(("key", "params"), [
    ("plain.txt", {}),
    ("中文/文件 1+2%.txt", {}),
    ("a b/c~d'e(f)*!", {"partNumber": "3", "uploadId": "abc/def+=="}),
    ("", {"list-type": "2", "prefix": "a b+c/", "start-after": "中", "encoding-type": "url"}),
])
def test_matches_botocore(key: str, params: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime

    class Frozen(datetime.datetime):
        @classmethod
        def utcnow(cls):  # type: ignore[no-untyped-def, override]
            return datetime.datetime.utcfromtimestamp(NOW)

        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return datetime.datetime.fromtimestamp(NOW, tz)
    monkeypatch.setattr("botocore.auth.datetime.datetime", Frozen)
    path = "/bucket/" + uri_encode(key, safe="/")
    query = canonical_query(params)
    headers = {"Content-Type": "text/plain", "x-amz-meta-owner": "ops"}
    ours = SigV4Signer("AKIDEXAMPLE", "secret/key", "eu-west-1").sign(
        "PUT", "127.0.0.1:9000", path, query, dict(headers), EMPTY_SHA256, now=NOW)
    request = AWSRequest(method="PUT", url=f"http://127.0.0.1:9000{path}" + (f"?{query}" if query else ""),
                         headers=headers, data=b"")
    S3SigV4Auth(Credentials("AKIDEXAMPLE", "secret/key"), "s3", "eu-west-1").add_auth(request)
    assert ours["x-amz-date"] == request.headers["X-Amz-Date"]
    assert ours["Authorization"] == request.headers["Authorization"]


def test_repr_hides_the_secret() -> None:
    assert "topsecret" not in repr(SigV4Signer("AK", "topsecret", "r"))
