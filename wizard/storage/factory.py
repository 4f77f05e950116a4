"""Builds the connector a task location names, with its credentials resolved at the last moment."""

from __future__ import annotations

from wizard.secrets import Credentials, resolve
from wizard.storage.base import Store
from wizard.task import Location


def make_store(loc: Location, where: str, *, connections: int = 64, credentials: Credentials | None = None) -> Store:
    """The Store for ``loc``; ``where`` (source/destination) names the field in credential errors. ``credentials``
    given here (a connection test before anything is saved) are used instead of resolving the reference."""
    def creds_for() -> Credentials:
        return credentials if credentials is not None else resolve(loc.credentials, f"{where}.credentials")

    if loc.kind == "local":
        from wizard.storage.local import LocalStore

        return LocalStore(loc.path, create=where == "destination")
    if loc.kind == "s3":
        from wizard.storage.s3 import S3Store

        creds = creds_for()
        return S3Store(loc.endpoint, loc.bucket, creds.access_key_id, creds.secret_access_key,
                       region=loc.region or "us-east-1", path_style=loc.path_style, connections=connections)
    if loc.kind == "urllist":
        from wizard.storage.urllist import UrlListStore

        return UrlListStore(loc.list_file, strip_prefix=loc.strip_prefix, add_prefix=loc.add_prefix,
                            connections=connections)
    if loc.kind == "oss":
        from wizard.storage.oss import OssStore

        creds = creds_for()
        return OssStore(loc.endpoint, loc.bucket, creds.access_key_id, creds.secret_access_key, region=loc.region,
                        connections=connections)
    if loc.kind == "cos":
        from wizard.storage.cos import CosStore

        creds = creds_for()
        return CosStore(loc.endpoint, loc.bucket, creds.access_key_id, creds.secret_access_key, region=loc.region,
                        connections=connections)
    raise ValueError(f"no connector for kind {loc.kind!r}")  # task.py refuses such kinds first
