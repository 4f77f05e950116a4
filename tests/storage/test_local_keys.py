"""Local folders: keys become safe relative paths and nothing escapes the folder."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from wizard.errors import Action, StorageError
from wizard.storage.local import PARTIAL, LocalStore


@pytest.mark.parametrize("key", ["../escape", "a/../../b", "/abs", "a//b", "./x", "a/./b", "nul\0byte",
                                 "x" * 256, f"name{PARTIAL}"])
def test_unsafe_keys_are_object_failures(tmp_path: Path, key: str) -> None:
    store = LocalStore(tmp_path / "root")
    with pytest.raises(StorageError) as err:
        asyncio.run(store.write(key, b"x", 1))
    assert err.value.action is Action.OBJECT and err.value.error_class == "invalid-key"
    assert not (tmp_path / "escape").exists() and not (tmp_path / "b").exists()


def test_folder_marker_becomes_a_folder_and_partials_are_invisible(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    asyncio.run(store.write("photos/", b"", 0))
    assert (tmp_path / "photos").is_dir()
    (tmp_path / "photos" / f".half{PARTIAL}").write_bytes(b"partial")

    async def keys() -> list[str]:
        return [o.key async for page in store.list_pages() for o in page]
    assert asyncio.run(keys()) == []


def test_file_and_folder_of_one_name_is_a_clear_failure(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    asyncio.run(store.write("a", b"file", 4))
    with pytest.raises(StorageError) as err:
        asyncio.run(store.write("a/b", b"x", 1))
    assert err.value.error_class == "invalid-key" and "same name" in err.value.message


def test_short_body_is_not_left_in_place(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with pytest.raises(StorageError):
        asyncio.run(store.write("k", b"abc", 10))
    assert list(tmp_path.iterdir()) == []
