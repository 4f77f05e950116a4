"""A local folder as a bucket: keys are relative paths below the folder, and nothing may escape it.

Writes go to a hidden partial file beside the target and are renamed into place, so a reader (or a resumed
task) never sees half an object under its real name. Listing walks directories in an order that equals the
keys' byte order, so a folder merge-joins with any other store.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterator, Mapping
from pathlib import Path

from wizard.errors import object_failed, task_stopped
from wizard.storage.base import Body, Features, ObjectInfo, Reader, Store, WriteResult

PARTIAL = ".mwpart"      # suffix of in-progress writes; never listed
CHUNK = 1024 * 1024
SMALL = 256 * 1024        # files up to this are read in one call, without a thread hop per chunk
PAGE = 1000


class LocalStore(Store):
    """A folder; ``root`` must exist (for a destination it is created when missing)."""

    features = Features(local_md5=True, folders=True)
    name = "local"

    def __init__(self, root: str | os.PathLike[str], *, create: bool = False) -> None:
        self.root = Path(root).expanduser().absolute()
        self._root = str(self.root)
        self._create = create
        self.request_gate = None

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def path_for(self, key: str) -> Path:
        """The file for ``key``, or an ``invalid-key`` failure saying why the key cannot be a file here."""
        return Path(self.fs_path(key))

    def fs_path(self, key: str) -> str:
        """``path_for`` as a string: the small-file paths use os calls on it, pathlib cost 15 us per object."""
        if not key or "\0" in key:
            raise object_failed("invalid-key", "InvalidKey",
                                f"{key!r}: an empty key or a NUL byte cannot be a file name")
        if key.startswith("/"):
            raise object_failed("invalid-key", "InvalidKey", f"{key!r}: a key starting with '/' would leave the folder")
        parts = key.split("/")
        for part in parts[:-1] if key.endswith("/") else parts:
            if part in ("", ".", ".."):
                raise object_failed("invalid-key", "InvalidKey",
                                    f"{key!r}: the path segment {part!r} cannot be stored in a folder")
            if len(part.encode("utf-8", "surrogatepass")) > 255:
                raise object_failed("invalid-key", "NameTooLong",
                                    f"{key[:80]!r}...: a path segment is longer than 255 bytes")
            if part.endswith(PARTIAL):
                raise object_failed("invalid-key", "InvalidKey",
                                    f"{key!r}: names ending in {PARTIAL} are reserved")
        return os.path.join(self._root, *[p for p in parts if p])

    async def check(self, write: bool) -> None:
        if not self.root.is_dir():
            if write and self._create and not self.root.exists():
                try:
                    self.root.mkdir(parents=True)
                    return
                except OSError as exc:
                    raise task_stopped("io", "CannotCreate",
                                       f"cannot create folder {self.root}: {exc.strerror}") from None
            raise task_stopped("bucket", "NoSuchFolder", f"folder {self.root} does not exist")
        if not os.access(self.root, os.W_OK if write else os.R_OK):
            raise task_stopped("permission", "AccessDenied",
                               f"folder {self.root} is not {'writable' if write else 'readable'}")

    def _walk(self, folder: Path, rel: str, prefix: str, start_after: str) -> Iterator[ObjectInfo]:
        for key, is_dir, e in _scan(folder, rel):
            if is_dir:
                # Everything below D sorts between "D/" and "D0"; skip folders the cursor or prefix rule out.
                if start_after >= key[:-1] + "0" or not (key.startswith(prefix) or prefix.startswith(key)):
                    continue
                yield from self._walk(Path(e.path), key, prefix, start_after)
            elif key > start_after and key.startswith(prefix):
                info = _file_info(e, key)
                if info is not None:
                    yield info

    async def list_pages(self, prefix: str = "", start_after: str = "") -> AsyncIterator[list[ObjectInfo]]:
        walker = self._walk(self.root, "", prefix, start_after)
        while True:
            page = await asyncio.to_thread(_take, walker, PAGE)
            if page:
                yield page
            if len(page) < PAGE:
                return

    async def list_level(self, prefix: str, start_after: str = "") -> AsyncIterator[tuple[list[ObjectInfo], list[str]]]:
        def level() -> list[tuple[str, ObjectInfo | None]]:
            # The same rules as _walk, so a level sums to what list_pages lists: partial files left out, a
            # symbolic link to a folder not followed, a broken link listed (its read fails it visibly).
            folder = Path(self.fs_path(prefix.rstrip("/"))) if prefix.strip("/") else self.root
            if not os.path.isdir(folder):
                return []
            out: list[tuple[str, ObjectInfo | None]] = []
            for key, is_dir, e in _scan(folder, prefix):
                if is_dir:
                    if start_after < key[:-1] + "0":     # a key below it can still sort after start_after
                        out.append((key, None))
                elif key > start_after and (info := _file_info(e, key)) is not None:
                    out.append((key, info))
            return out
        entries = await asyncio.to_thread(level)
        for i in range(0, len(entries), PAGE):
            chunk = entries[i:i + PAGE]
            yield [o for _, o in chunk if o is not None], [k for k, o in chunk if o is None]

    async def head(self, key: str) -> ObjectInfo | None:
        path = self.path_for(key)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not path.is_file():
            return None
        return ObjectInfo(key=key, size=st.st_size, mtime=st.st_mtime)

    async def md5(self, key: str) -> str:
        """Hex MD5 of the file (for skip-identical against stores that publish MD5 ETags)."""
        def digest() -> str:
            h = hashlib.md5()
            with open(self.path_for(key), "rb") as f:
                while chunk := f.read(CHUNK):
                    h.update(chunk)
            return h.hexdigest()
        return await asyncio.to_thread(digest)

    async def read(self, key: str, start: int = 0, length: int | None = None, if_match: str | None = None,
                   *, checksums: bool = True) -> Reader:
        path = self.fs_path(key)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
        except OSError as exc:
            if os.path.islink(path):
                target = ""
                with contextlib.suppress(OSError):
                    target = os.readlink(path)
                raise object_failed("io", "BrokenSymlink", f"{key}: a symbolic link to {target!r}, which cannot be "
                                                           f"read ({exc.strerror})") from None
            if isinstance(exc, FileNotFoundError):
                raise object_failed("not-found", "NoSuchKey", f"{key}: the file is gone") from None
            raise object_failed("io", "ReadFailed", f"{key}: cannot read ({exc.strerror})") from None
        try:
            st = os.fstat(fd)
            info = ObjectInfo(key=key, size=st.st_size, mtime=st.st_mtime)
            # A small file is read in one call on the loop, like the page-cache read it is.
            small = st.st_size <= SMALL and not start and length is None
            data = (os.read(fd, st.st_size) if st.st_size else b"") if small else b""
        except OSError as exc:
            os.close(fd)
            raise object_failed("io", "ReadFailed", f"{key}: cannot read ({exc.strerror})") from None
        if small:
            os.close(fd)
            return _BytesReader(data, info)
        return _FileReader(os.fdopen(fd, "rb"), info, start, length)

    async def write(self, key: str, body: Body, size: int, *, md5: bytes | None = None,
                    content_type: str | None = None, metadata: Mapping[str, str] | None = None,
                    headers: Mapping[str, str] | None = None, storage_class: str | None = None) -> WriteResult:
        fs_path = self.fs_path(key)
        if key.endswith("/"):  # a folder marker: a folder is what a file system can hold of it
            await asyncio.to_thread(os.makedirs, fs_path, exist_ok=True)
            return WriteResult(etag=None, size=0, extra={"folder": True})
        folder, name = os.path.split(fs_path)
        tmp = os.path.join(folder, f".{name[:200]}.{uuid.uuid4().hex[:8]}{PARTIAL}")
        path = Path(fs_path)
        written = 0
        try:
            if isinstance(body, (bytes, bytearray, memoryview)) and len(body) <= SMALL:
                # A small file is written whole on the loop, as small files are read: a hop to a thread for each
                # of mkdir, open, write and rename cost more than the copy (local -> local, 20,000 files of 100
                # bytes: 11.2 s with the hops, 3.2 s without; tests/benchmarks/bench_local.py).
                if len(body) != size:
                    raise object_failed("checksum", "SizeMismatch", f"{key}: got {len(body)} bytes, expected {size}")
                written = _write_whole(fs_path, tmp, body)
                return WriteResult(etag=None, size=written)
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
            f = await asyncio.to_thread(open, tmp, "wb")
            try:
                if isinstance(body, (bytes, bytearray, memoryview)):
                    await asyncio.to_thread(f.write, body)
                    written = len(body)
                else:
                    async for chunk in _aiter(body):
                        await asyncio.to_thread(f.write, chunk) if len(chunk) > SMALL else f.write(chunk)
                        written += len(chunk)
            finally:
                f.close()
            if written != size:
                raise object_failed("checksum", "SizeMismatch", f"{key}: got {written} bytes, expected {size}")
            await asyncio.to_thread(os.replace, tmp, path)
        except OSError as exc:
            _unlink(tmp)
            if exc.errno in (36,):  # ENAMETOOLONG
                raise object_failed("invalid-key", "NameTooLong",
                                    f"{key[:80]!r}: the path is too long for this file system") from None
            if isinstance(exc, (IsADirectoryError, NotADirectoryError, FileExistsError)):
                raise object_failed("invalid-key", "PathConflict",
                                    f"{key!r}: a file and a folder would need the same name here") from None
            raise object_failed("io", "WriteFailed", f"{key}: cannot write ({exc.strerror})") from None
        except BaseException:
            _unlink(tmp)
            raise
        return WriteResult(etag=None, size=written)

    async def delete(self, key: str) -> None:
        try:
            self.path_for(key).unlink()
        except FileNotFoundError:
            pass


class _BytesReader(Reader):
    """A small file already read whole."""

    def __init__(self, data: bytes, info: ObjectInfo) -> None:
        self._data = data
        self.info = info

    async def chunks(self) -> AsyncIterator[bytes]:
        if len(self._data) != self.info.size:
            raise object_failed("checksum", "SizeMismatch", f"{self.info.key}: the file shrank while being read")
        if self._data:
            yield self._data

    async def close(self) -> None:
        self._data = b""


class _FileReader(Reader):
    def __init__(self, f, info: ObjectInfo, start: int, length: int | None) -> None:  # type: ignore[no-untyped-def]
        self._f = f
        self.info = info
        self._start = start
        self._left = info.size - start if length is None else length

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            if self._start:
                self._f.seek(self._start)
            while self._left > 0:
                n = min(CHUNK, self._left)
                chunk = self._f.read(n) if n <= SMALL else await asyncio.to_thread(self._f.read, n)
                if not chunk:
                    raise object_failed("checksum", "SizeMismatch",
                                        f"{self.info.key}: the file shrank while being read")
                self._left -= len(chunk)
                yield chunk
        except OSError as exc:
            raise object_failed("io", "ReadFailed", f"{self.info.key}: cannot read ({exc.strerror})") from None
        finally:
            self._f.close()

    async def close(self) -> None:
        self._f.close()


def _take(it: Iterator[ObjectInfo], n: int) -> list[ObjectInfo]:
    out = []
    for item in it:
        out.append(item)
        if len(out) >= n:
            break
    return out


async def _aiter(body: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    async for chunk in body:
        yield chunk


def _write_whole(path: str, tmp: str, body: bytes | bytearray | memoryview) -> int:
    """``body`` into ``tmp`` (its folder made when missing), renamed to ``path``; the partial file goes on failure.
    Plain os calls: a Python file object cost more than the write of a small file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(tmp, flags, 0o666)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(tmp, flags, 0o666)
    try:
        try:
            view = memoryview(body)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise
    return len(body)


def _unlink(path: str | Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _scan(folder: Path, rel: str) -> list[tuple[str, bool, os.DirEntry[str]]]:
    """A folder's entries as (key, is a folder, entry), folders' keys ending in "/", in key order; partial
    writes left out, symbolic links to folders not followed. A folder gone is empty; one that cannot be read
    stops the task."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise task_stopped("io", "ListFailed", f"cannot list folder {folder}: {exc.strerror}") from None
    named = []
    for e in entries:
        if e.name.endswith(PARTIAL):
            continue
        try:
            is_dir = e.is_dir(follow_symlinks=False)
        except OSError:
            continue
        named.append((rel + e.name + ("/" if is_dir else ""), is_dir, e))
    named.sort(key=lambda t: t[0])
    return named


def _file_info(e: os.DirEntry[str], key: str) -> ObjectInfo | None:
    """A file's listing entry; a broken (or looping) symbolic link is listed with size 0, so its read fails it
    visibly in the failures list instead of the file being left out without a word; anything else is None."""
    try:
        st = e.stat(follow_symlinks=True)
    except OSError:
        if e.is_symlink():
            with contextlib.suppress(OSError):
                return ObjectInfo(key=key, size=0, mtime=e.stat(follow_symlinks=False).st_mtime)
        return None
    return ObjectInfo(key=key, size=st.st_size, mtime=st.st_mtime) if os.path.isfile(e.path) else None
