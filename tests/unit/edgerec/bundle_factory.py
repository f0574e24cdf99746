"""Small, structured synthetic bundles for tests: items and users in genres, each user
liking items of their own genre, so nearest neighbours and recommendations are meaningful."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from edgerec.bundle import TOP_ITEMS, CatalogItem, Manifest, write_bundle
from edgerec.top_items import (
    InMemoryTopItems,
    TopItems,
    UserTopItems,
    read_top_items_file,
    write_top_items_file,
)

GENRES = ("mystery", "garden", "space", "ocean")
WORDS = ("silent", "river", "golden", "night", "paper", "winter", "hidden", "orchard")
CREATORS = ("Ada Lane", "Basil Reed", "Cora Moss", "Dev Patel", "Elin Frost")
VERSION = "20260101T000000Z-abc123"


def item_id(catalog: str, row: int) -> str:
    return f"{catalog[:1]}{row:04d}"


def write_synthetic_bundle(
    directory: Path,
    *,
    catalog: str = "books",
    model_version: str = VERSION,
    items: int = 60,
    users: int = 40,
    dimensions: int = 8,
    list_length: int = 8,
    seed: int = 7,
) -> Manifest:
    """Write a complete bundle folder (saved_model/ and top_items.jsonl included)."""
    rng = np.random.default_rng(seed)
    centroids = rng.normal(scale=2.0, size=(len(GENRES), dimensions))
    item_genre = np.arange(items) % len(GENRES)
    user_genre = np.arange(users) % len(GENRES)
    item_embeddings = centroids[item_genre] + rng.normal(scale=0.3, size=(items, dimensions))
    user_embeddings = centroids[user_genre] + rng.normal(scale=0.3, size=(users, dimensions))
    catalog_items = [
        CatalogItem(
            id=item_id(catalog, row),
            title=f"{WORDS[row % len(WORDS)].title()} {GENRES[item_genre[row]].title()} {row}",
            creator=CREATORS[row % len(CREATORS)],
            popularity=int(rng.integers(0, 1000)),
        )
        for row in range(items)
    ]
    user_ids = [f"u{row:04d}" for row in range(users)]

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "saved_model" / "variables").mkdir(parents=True, exist_ok=True)
    (directory / "saved_model" / "saved_model.pb").write_bytes(rng.bytes(256))
    (directory / "saved_model" / "variables" / "variables.index").write_bytes(rng.bytes(64))
    lists = []
    for row, user in enumerate(user_ids):
        same_genre = np.flatnonzero(item_genre == user_genre[row])
        liked = rng.choice(same_genre, size=min(list_length, same_genre.size), replace=False)
        weights = np.sort(rng.uniform(1, 5, size=liked.size))[::-1]
        lists.append(
            UserTopItems(
                user,
                tuple(item_id(catalog, int(r)) for r in liked),
                tuple(round(float(w), 3) for w in weights),
            )
        )
    write_top_items_file(directory / TOP_ITEMS, lists)
    return write_bundle(
        directory,
        catalog=catalog,
        model_version=model_version,
        item_embeddings=item_embeddings.astype(np.float32),
        user_embeddings=user_embeddings.astype(np.float32),
        items=catalog_items,
        user_ids=user_ids,
        training={"preset": "test"},
    )


def published_lists(directory: Path) -> dict[str, TopItems]:
    """The bundle's top_items.jsonl as a user id → TopItems map."""
    return {row.user: row.top_items for row in read_top_items_file(directory / TOP_ITEMS)}


class RecordingTopItems(InMemoryTopItems):
    """An in-memory TopItemsReader that records each call."""

    def __init__(self, lists: Mapping[str, TopItems]) -> None:
        super().__init__(lists)
        self.calls: list[tuple[str, str, list[str]]] = []

    def read_top_items(
        self, catalog: str, model_version: str, user_ids: Sequence[str]
    ) -> dict[str, TopItems]:
        self.calls.append((catalog, model_version, list(user_ids)))
        return super().read_top_items(catalog, model_version, user_ids)
