"""The training → serving contract: a model bundle's files, manifest, checksums and versions.

A bundle is one folder (locally) or one S3 prefix (published) holding everything one model
version of one catalog needs. Training writes it with `write_bundle`; serving reads it with
`read_bundle`, which refuses a bundle whose checksums or format version do not match.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from edgerec.errors import BundleError

# 2: items.json holds one array per column (1 held one array per row), and the manifest
# counts `item_count` and `user_count` (1: `items`, `users`).
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
ITEM_EMBEDDINGS = "item_embeddings.npy"  # float32 (items, dimensions): the query tower's table
USER_EMBEDDINGS = "user_embeddings.npy"  # float32 (users, dimensions): the candidate tower's
ITEMS = "items.json"  # the item table's columns, aligned with ITEM_EMBEDDINGS rows
USERS = "users.json"  # user ids, aligned with USER_EMBEDDINGS rows: the user id map
# Each training user's best items (edgerec.top_items); published to DynamoDB, not served.
TOP_ITEMS = "top_items.jsonl"
SAVED_MODEL = "saved_model"  # the TFRS BruteForce index; never read by serving
# What a serving process downloads: everything it needs, nothing it does not.
SERVING_FILES = (ITEM_EMBEDDINGS, USER_EMBEDDINGS, ITEMS, USERS)

FloatMatrix = npt.NDArray[np.float32]
IntVector = npt.NDArray[np.int64]


@dataclass(frozen=True)
class CatalogItem:
    """One item as people see it; `popularity` counts the users who liked it in training."""

    id: str
    title: str
    creator: str
    popularity: int = 0


ITEM_COLUMNS = ("id", "title", "creator", "popularity")


class ItemTable(Sequence[CatalogItem]):
    """A catalog's items as columns, each row made a `CatalogItem` only when it is asked for.

    A request shows ten items of tens of thousands, and loading needs only the ids and the
    popularity. Columns (rather than one list per row) also make parsing `items.json` allocate
    no container per item, so the garbage collector has nothing to walk while it loads.

    Raises:
        BundleError: the columns differ in length, or a popularity is not a whole number.
    """

    def __init__(
        self,
        ids: Sequence[str],
        titles: Sequence[str],
        creators: Sequence[str],
        popularity: Sequence[int] | IntVector,
    ) -> None:
        try:
            self.ids: tuple[str, ...] = tuple([str(i) for i in ids])
            self.popularity: IntVector = np.asarray(popularity, dtype=np.int64)
        except (TypeError, ValueError, OverflowError) as e:
            raise BundleError(f"the item table is malformed: {e!r}") from e
        lengths = {len(self.ids), len(titles), len(creators)}
        if len(lengths) != 1 or self.popularity.shape != (len(self.ids),):
            raise BundleError("the item table is malformed: its columns differ in length")
        self._titles = titles
        self._creators = creators

    @classmethod
    def of(cls, items: Sequence[CatalogItem]) -> ItemTable:
        """The table of `items`, in their order."""
        return cls(
            [i.id for i in items],
            [i.title for i in items],
            [i.creator for i in items],
            [i.popularity for i in items],
        )

    @classmethod
    def from_json(cls, body: Any) -> ItemTable:
        """The table `items.json` holds: `{"id": [...], "title": [...], ...}`.

        Raises:
            BundleError: a column is missing or malformed.
        """
        try:
            return cls(*(body[column] for column in ITEM_COLUMNS))
        except (KeyError, TypeError) as e:
            raise BundleError(f"the item table is malformed: {e!r}") from e

    def to_json(self) -> str:
        """The `items.json` body."""
        return json.dumps(
            {
                "id": list(self.ids),
                "title": [str(t) for t in self._titles],
                "creator": [str(c) for c in self._creators],
                "popularity": self.popularity.tolist(),
            },
            ensure_ascii=False,
        )

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> CatalogItem: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[CatalogItem, ...]: ...

    def __getitem__(self, index: int | slice) -> CatalogItem | tuple[CatalogItem, ...]:
        if isinstance(index, slice):
            return tuple(self[row] for row in range(*index.indices(len(self))))
        return CatalogItem(
            id=self.ids[index], title=str(self._titles[index]),
            creator=str(self._creators[index]), popularity=int(self.popularity[index]),
        )  # fmt: skip

    def __iter__(self) -> Iterator[CatalogItem]:
        return (self[row] for row in range(len(self)))

    def __eq__(self, other: object) -> bool:
        """Equal to any sequence of the same items in the same order (a tuple too)."""
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # equal to tuples, so not hashable


@dataclass(frozen=True)
class FileEntry:
    """A file of the bundle with its size and sha256, as recorded in the manifest."""

    sha256: str
    bytes: int


@dataclass(frozen=True)
class Manifest:
    """What a bundle is: format, version, catalog, shapes, training figures and checksums."""

    format_version: int
    model_version: str
    catalog: str
    dimensions: int
    item_count: int
    user_count: int
    created_at: str
    files: Mapping[str, FileEntry]
    training: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """Serialise with sorted keys, so the same manifest always gives the same bytes."""
        body = {
            "format_version": self.format_version,
            "model_version": self.model_version,
            "catalog": self.catalog,
            "dimensions": self.dimensions,
            "item_count": self.item_count,
            "user_count": self.user_count,
            "created_at": self.created_at,
            "files": {
                name: {"sha256": e.sha256, "bytes": e.bytes} for name, e in self.files.items()
            },
            "training": dict(self.training),
        }
        return json.dumps(body, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Manifest:
        """Parse a manifest, refusing unknown format versions and missing fields."""
        try:
            body = json.loads(text)
            version = int(body["format_version"])
            if version != FORMAT_VERSION:
                raise BundleError(
                    f"bundle format version {version} is not supported "
                    f"(this code reads version {FORMAT_VERSION})"
                )
            return cls(
                format_version=version,
                model_version=str(body["model_version"]),
                catalog=str(body["catalog"]),
                dimensions=int(body["dimensions"]),
                item_count=int(body["item_count"]),
                user_count=int(body["user_count"]),
                created_at=str(body["created_at"]),
                files={
                    str(name): FileEntry(sha256=str(e["sha256"]), bytes=int(e["bytes"]))
                    for name, e in body["files"].items()
                },
                training=dict(body.get("training", {})),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise BundleError(f"manifest is malformed: {e!r}") from e


@dataclass(frozen=True)
class Bundle:
    """A loaded bundle: embeddings and id maps, ready for numpy retrieval."""

    manifest: Manifest
    item_embeddings: FloatMatrix
    user_embeddings: FloatMatrix
    items: ItemTable
    user_ids: Sequence[str]

    @classmethod
    def in_memory(
        cls,
        *,
        catalog: str,
        model_version: str,
        item_embeddings: FloatMatrix,
        user_embeddings: FloatMatrix,
        items: Sequence[CatalogItem],
        user_ids: Sequence[str],
    ) -> Bundle:
        """The bundle serving would load for these tables, built without files (its manifest
        lists none): what the evaluation serves from.

        Raises:
            ValueError: when shapes and id maps disagree.
        """
        item_embeddings = np.ascontiguousarray(item_embeddings, dtype=np.float32)
        user_embeddings = np.ascontiguousarray(user_embeddings, dtype=np.float32)
        check_tables(item_embeddings, user_embeddings, user_ids)
        table = items if isinstance(items, ItemTable) else ItemTable.of(items)
        if len(table) != item_embeddings.shape[0]:
            raise ValueError(f"{len(table)} catalog items for {item_embeddings.shape[0]} item rows")
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            model_version=model_version,
            catalog=catalog,
            dimensions=int(item_embeddings.shape[1]),
            item_count=int(item_embeddings.shape[0]),
            user_count=int(user_embeddings.shape[0]),
            created_at="",
            files={},
        )
        return cls(manifest, item_embeddings, user_embeddings, table, tuple(user_ids))

    @property
    def item_ids(self) -> Sequence[str]:
        """Every item's id, in row order."""
        return self.items.ids

    @property
    def item_popularity(self) -> IntVector:
        """Every item's popularity, in row order."""
        return self.items.popularity

    @cached_property
    def item_rows(self) -> dict[str, int]:
        """Item id → row of `item_embeddings`."""
        ids = self.item_ids
        return dict(zip(ids, range(len(ids)), strict=True))


def new_model_version(now: datetime | None = None) -> str:
    """A sortable, unique model version such as `20261128T182400Z-3f9a1c`."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in chunks so large embedding files stay out of memory."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_tables(
    item_embeddings: FloatMatrix, user_embeddings: FloatMatrix, user_ids: Sequence[str]
) -> None:
    """Raise ValueError unless both tables are 2-D, equally wide, and a user id names each
    user row: what every writer of embeddings (bundle, SavedModel index) relies on."""
    if item_embeddings.ndim != 2 or user_embeddings.ndim != 2:
        raise ValueError("embeddings must be 2-D matrices")
    if item_embeddings.shape[1] != user_embeddings.shape[1]:
        raise ValueError(
            f"item and user embeddings differ in width: {item_embeddings.shape[1]} "
            f"vs {user_embeddings.shape[1]}"
        )
    if len(user_ids) != user_embeddings.shape[0]:
        raise ValueError(f"{len(user_ids)} user ids for {user_embeddings.shape[0]} user rows")


def write_bundle(
    directory: Path,
    *,
    catalog: str,
    model_version: str,
    item_embeddings: FloatMatrix,
    user_embeddings: FloatMatrix,
    items: Sequence[CatalogItem],
    user_ids: Sequence[str],
    training: Mapping[str, Any] | None = None,
) -> Manifest:
    """Write the serving files and a manifest that checksums every file in `directory`.

    Files already in `directory` (the SavedModel, the top-items list) are checksummed too, so
    write them first. Raises ValueError when shapes and id maps disagree.
    """
    bundle = Bundle.in_memory(
        catalog=catalog,
        model_version=model_version,
        item_embeddings=item_embeddings,
        user_embeddings=user_embeddings,
        items=items,
        user_ids=user_ids,
    )
    directory.mkdir(parents=True, exist_ok=True)
    np.save(directory / ITEM_EMBEDDINGS, bundle.item_embeddings, allow_pickle=False)
    np.save(directory / USER_EMBEDDINGS, bundle.user_embeddings, allow_pickle=False)
    (directory / ITEMS).write_text(bundle.items.to_json(), encoding="utf-8")
    (directory / USERS).write_text(json.dumps(list(bundle.user_ids)), encoding="utf-8")

    manifest = replace(
        bundle.manifest,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        files=_checksums(directory, _bundle_files(directory)),
        training=dict(training or {}),
    )
    (directory / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def read_manifest(directory: Path) -> Manifest:
    """Read a bundle folder's manifest."""
    path = directory / MANIFEST
    try:
        return Manifest.from_json(path.read_bytes())
    except FileNotFoundError as e:
        raise BundleError(f"no manifest in {directory}") from e


def verify_files(directory: Path, manifest: Manifest, names: Iterable[str]) -> None:
    """Check that each named file exists and matches its manifest checksum."""
    for name in names:
        entry = manifest.files.get(name)
        if entry is None:
            raise BundleError(f"manifest of {manifest.model_version} does not list {name}")
        path = directory / name
        if not path.is_file():
            raise BundleError(f"{name} of {manifest.model_version} is missing")
        check_sha256(f"{name} of {manifest.model_version}", file_sha256(path), entry.sha256)


def check_sha256(what: str, actual: str, expected: str) -> None:
    """Raise BundleError naming `what` unless its sha256 is the manifest's."""
    if actual != expected:
        raise BundleError(
            f"{what} is corrupt: sha256 {actual[:12]}… does not match the manifest's "
            f"{expected[:12]}…"
        )


def read_bundle(directory: Path, *, verified: bool = False) -> Bundle:
    """Load the serving part of a bundle folder after verifying its checksums.

    `verified=True` skips the checksums, for a caller that has just verified these very
    files (a download hashes each file as it streams in): hashing tens of MB twice would
    lengthen every cold start.
    """
    manifest = read_manifest(directory)
    if not verified:
        verify_files(directory, manifest, SERVING_FILES)
    item_embeddings = np.load(directory / ITEM_EMBEDDINGS, allow_pickle=False)
    user_embeddings = np.load(directory / USER_EMBEDDINGS, allow_pickle=False)
    items = ItemTable.from_json(json.loads((directory / ITEMS).read_bytes()))
    users = json.loads((directory / USERS).read_bytes())
    if not isinstance(users, list):
        raise BundleError(f"{USERS} of {manifest.model_version} is not a list")
    user_ids = tuple([str(u) for u in users])
    expected_items = (manifest.item_count, manifest.dimensions)
    expected_users = (manifest.user_count, manifest.dimensions)
    if item_embeddings.shape != expected_items or user_embeddings.shape != expected_users:
        raise BundleError(f"embedding shapes of {manifest.model_version} disagree with manifest")
    if len(items) != manifest.item_count or len(user_ids) != manifest.user_count:
        raise BundleError(f"id maps of {manifest.model_version} disagree with the manifest")
    return Bundle(
        manifest=manifest,
        item_embeddings=item_embeddings.astype(np.float32, copy=False),
        user_embeddings=user_embeddings.astype(np.float32, copy=False),
        items=items,
        user_ids=user_ids,
    )


def _bundle_files(directory: Path) -> list[str]:
    return sorted(
        p.relative_to(directory).as_posix()
        for p in directory.rglob("*")
        if p.is_file() and p.name != MANIFEST
    )


def _checksums(directory: Path, names: Iterable[str]) -> dict[str, FileEntry]:
    return {
        name: FileEntry(
            sha256=file_sha256(directory / name), bytes=(directory / name).stat().st_size
        )
        for name in names
    }
