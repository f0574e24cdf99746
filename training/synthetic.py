"""Seeded synthetic data in the real file formats, with long-tail popularity and taste groups.

Two catalogs, each written exactly as its real dataset is distributed, so the same loaders read
synthetic and real files:

- books: the Kaggle re-export of Book-Crossing (`Ratings.csv`, `Books.csv`; commas, UTF-8);
- songs: the Echo Nest Taste Profile (`train_triplets.txt`) with the Million Song Dataset's
  `unique_tracks.txt`.

Every item belongs to one of `TASTE_GROUPS` planted groups (item k to group k % TASTE_GROUPS,
user u to group u % TASTE_GROUPS) and users mostly like items of their own group, so there is
something to learn. Item k is the k-th most popular. Ids, titles and creators are derived from
(seed, k) alone: the first items' ids never change when the number of users or items does. List
them with `python -m training.synthetic --catalog books --show-items 9`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

Catalog = Literal["books", "songs"]
CATALOGS: tuple[Catalog, ...] = ("books", "songs")

DEFAULT_SEED = 7
DEFAULT_USERS = 3000  # with DEFAULT_ITEMS: the whole demo trains in seconds on two cores
DEFAULT_ITEMS = 1500
TASTE_GROUPS = 8
MEAN_LIKES = 30  # liked items per user, on average (log-normal spread, long tail of readers)
ZIPF_EXPONENT = 0.8  # item popularity ∝ 1 / rank^s: a long tail without one dominant item
OWN_GROUP_SHARE = 0.8  # share of a user's likes that come from their own taste group
_CHUNK_USERS = 512  # users scored at once, to bound memory at chunk x items floats

RATINGS_CSV = "Ratings.csv"
BOOKS_CSV = "Books.csv"
TRIPLETS = "train_triplets.txt"
UNIQUE_TRACKS = "unique_tracks.txt"
SEP = "<SEP>"  # the Million Song Dataset's field separator

_BOOK_WORDS = (
    ("Murder", "Alibi", "Witness", "Shadow", "Inspector", "Poison", "Midnight", "Secret"),
    ("Heart", "Summer", "Promise", "Kiss", "Bride", "Letters", "Wedding", "Moonlight"),
    ("Dragon", "Sword", "Crown", "Sorcerer", "Realm", "Prophecy", "Elves", "Throne"),
    ("Starship", "Android", "Galaxy", "Colony", "Signal", "Orbit", "Mars", "Machine"),
    ("Empire", "Revolution", "Kings", "Battle", "Century", "Republic", "Siege", "Dynasty"),
    ("Kitchen", "Bread", "Spices", "Feast", "Garden", "Soup", "Pastry", "Harvest"),
    ("Road", "Island", "Journey", "Mountains", "River", "Desert", "Voyage", "Compass"),
    ("Verses", "Songs", "Sonnets", "Silence", "Seasons", "Birds", "Light", "Elegies"),
)
_SONG_WORDS = (
    ("Highway", "Thunder", "Rebel", "Fire", "Engine", "Electric", "Wild", "Stone"),
    ("Blue", "Smoke", "Velvet", "Moon", "Swing", "Cafe", "Rain", "Saxophone"),
    ("Block", "Hustle", "Crown", "Street", "Flow", "Gold", "City", "Hustler"),
    ("Sonata", "Nocturne", "Prelude", "Adagio", "Requiem", "Fugue", "Etude", "Minuet"),
    ("Pulse", "Neon", "Circuit", "Laser", "Drift", "Synth", "Wave", "Voltage"),
    ("Meadow", "Harbor", "Lantern", "Willow", "Cabin", "Creek", "Ballad", "Fiddle"),
    ("Inferno", "Iron", "Abyss", "Skull", "Storm", "Blade", "Chaos", "Warlord"),
    ("Island", "Sun", "Roots", "Zion", "Dub", "Breeze", "Riddim", "Jah"),
)
_ADJECTIVES = ("Last", "Silent", "Hidden", "Broken", "Golden", "Lost", "Second", "Burning",
               "Quiet", "Northern", "Endless", "Crimson")  # fmt: skip
_FIRST_NAMES = ("Anna", "James", "Zoë", "Marcus", "Chloé", "Henrik", "Priya", "Tom", "Elena",
                "José", "Søren", "Grace", "Malik", "Ines", "Oliver", "Yuki")  # fmt: skip
_LAST_NAMES = ("Hartley", "Moreau", "Okafor", "Lindqvist", "Brennan", "Castillo", "Novak",
               "Whitfield", "Sato", "O'Connell", "Duarte", "Fischer", "Ashworth",
               "Kowalski")  # fmt: skip
_BAND_NOUNS = ("Wolves", "Satellites", "Harbour", "Collective", "Brothers", "Machines",
               "Sisters", "Orchestra", "Kids", "Echoes")  # fmt: skip
_PUBLISHERS = ("Penguin Books", "Harper & Row", "Vintage", "Ballantine Books", "Tor Books",
               "Bantam", "Random House", "Faber and Faber")  # fmt: skip


@dataclass(frozen=True)
class PlantedTaste:
    """The ground truth of a synthetic dataset: each id's taste group."""

    item_ids: tuple[str, ...]  # item k, most popular first
    item_groups: npt.NDArray[np.int64]
    user_ids: tuple[str, ...]
    user_groups: npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Likes:
    users: npt.NDArray[np.int64]  # user rows
    items: npt.NDArray[np.int64]  # item ranks
    own_group: npt.NDArray[np.bool_]  # whether the item is of the user's group


def write_books(
    dest: Path,
    *,
    users: int = DEFAULT_USERS,
    items: int = DEFAULT_ITEMS,
    seed: int = DEFAULT_SEED,
) -> Path:
    """Write `Ratings.csv` and `Books.csv` (the Kaggle Book-Crossing form) into `dest`.

    Ratings run from 1 to 10, and 0 marks an implicit interaction, as in the real file; liked
    books (rating ≥ 5) follow the planted taste groups, and about a third of the rows are
    implicit or low ratings of popular books. Some implicit rows name ISBNs that `Books.csv`
    does not list, as 10% of the real ones do.

    Returns:
        `dest`.
    """
    planted = _plant("books", dest, users, items, seed)
    rng, likes = planted.rng, planted.likes
    ratings = np.where(
        likes.own_group, rng.integers(7, 11, likes.users.size), rng.integers(5, 9, likes.users.size)
    )
    other_users, other_items = _other_interactions(likes, users, items, rng)
    other_ratings = np.where(
        rng.random(other_users.size) < 0.85, 0, rng.integers(1, 5, other_users.size)
    )
    unlisted = rng.random(other_users.size) < 0.1
    rows_users = np.concatenate([likes.users, other_users])
    rows_items = np.concatenate([likes.items, other_items])
    rows_ratings = np.concatenate([ratings, other_ratings])
    rows_unlisted = np.concatenate([np.zeros(likes.users.size, dtype=bool), unlisted])
    order = np.lexsort((rng.random(rows_users.size), rows_users))

    isbns, user_ids = planted.item_ids, planted.user_ids
    with (dest / RATINGS_CSV).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["User-ID", "ISBN", "Book-Rating"])
        for row in order.tolist():
            item = int(rows_items[row])
            isbn = book_isbn(seed, items + item) if rows_unlisted[row] else isbns[item]
            writer.writerow([user_ids[rows_users[row]], isbn, int(rows_ratings[row])])
    _write_books_csv(dest / BOOKS_CSV, isbns, seed)
    return dest


def _write_books_csv(path: Path, isbns: list[str], seed: int) -> None:
    """`Books.csv` in the Kaggle form: the book's title and author, and made-up extras."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["ISBN", "Book-Title", "Book-Author", "Year-Of-Publication", "Publisher",
             "Image-URL-S", "Image-URL-M", "Image-URL-L"]
        )  # fmt: skip
        for k, isbn in enumerate(isbns):
            h = _digest(seed, "book-extra", k)
            image = f"http://images.amazon.com/images/P/{isbn}.01"
            writer.writerow(
                [isbn, book_title(seed, k), book_author(seed, k), 1950 + h % 55,
                 _PUBLISHERS[(h >> 8) % len(_PUBLISHERS)],
                 f"{image}.THUMBZZZ.jpg", f"{image}.MZZZZZZZ.jpg", f"{image}.LZZZZZZZ.jpg"]
            )  # fmt: skip


def write_songs(
    dest: Path,
    *,
    users: int = DEFAULT_USERS,
    items: int = DEFAULT_ITEMS,
    seed: int = DEFAULT_SEED,
) -> Path:
    """Write `train_triplets.txt` and `unique_tracks.txt` (Taste Profile + MSD) into `dest`.

    Play counts are long-tailed: songs of the listener's own taste group are played more.

    Returns:
        `dest`.
    """
    planted = _plant("songs", dest, users, items, seed)
    rng, likes, songs, user_ids = planted.rng, planted.likes, planted.item_ids, planted.user_ids
    plays = np.where(
        likes.own_group, rng.geometric(0.15, likes.users.size), rng.geometric(0.6, likes.users.size)
    )
    with (dest / TRIPLETS).open("w", encoding="utf-8", newline="\n") as f:
        for u, k, p in zip(likes.users.tolist(), likes.items.tolist(), plays.tolist(), strict=True):
            f.write(f"{user_ids[u]}\t{songs[k]}\t{p}\n")
    with (dest / UNIQUE_TRACKS).open("w", encoding="utf-8", newline="\n") as f:
        for k, song in enumerate(songs):
            track = _msd_id("TR", _digest(seed, "track", k))
            f.write(f"{track}{SEP}{song}{SEP}{song_artist(seed, k)}{SEP}{song_title(seed, k)}\n")
    return dest


def planted_taste(
    catalog: Catalog,
    *,
    users: int = DEFAULT_USERS,
    items: int = DEFAULT_ITEMS,
    seed: int = DEFAULT_SEED,
) -> PlantedTaste:
    """The taste groups `write_books`/`write_songs` planted, by id (what a model should learn)."""
    naming = _NAMING[catalog]
    return PlantedTaste(
        item_ids=tuple(naming.item_id(seed, k) for k in range(items)),
        item_groups=np.arange(items, dtype=np.int64) % TASTE_GROUPS,
        user_ids=tuple(naming.user_ids(users, seed)),
        user_groups=np.arange(users, dtype=np.int64) % TASTE_GROUPS,
    )


def first_items(
    catalog: Catalog, count: int, seed: int = DEFAULT_SEED
) -> list[tuple[str, int, str, str]]:
    """(id, taste group, title, creator) of the `count` most popular items of a catalog."""
    naming = _NAMING[catalog]
    return [
        (naming.item_id(seed, k), k % TASTE_GROUPS, naming.title(seed, k), naming.creator(seed, k))
        for k in range(count)
    ]


def isbn10_check_digit(body: str) -> str:
    """The ISBN-10 check character of nine digits: weights 10..2, modulo 11, 10 → "X"."""
    if len(body) != 9 or not body.isdigit():
        raise ValueError(f"an ISBN-10 body is nine digits, not {body!r}")
    check = (11 - sum((10 - i) * int(d) for i, d in enumerate(body)) % 11) % 11
    return "X" if check == 10 else str(check)


def book_isbn(seed: int, k: int) -> str:
    """A valid ISBN-10 for the k-th book; distinct k give distinct ISBNs (retried on collision)."""
    return _unique_id(seed, "isbn", k, lambda h: _isbn_from(h))


def song_id(seed: int, k: int) -> str:
    """An MSD-style song id for the k-th song, such as `SOAAADD12AB018A9DD`."""
    return _unique_id(seed, "song", k, lambda h: _msd_id("SO", h))


def listener_id(seed: int, u: int) -> str:
    """A Taste Profile user id: 40 lowercase hex characters."""
    return hashlib.sha1(f"{seed}:listener:{u}".encode(), usedforsecurity=False).hexdigest()


def book_title(seed: int, k: int) -> str:
    """A plausible title, worded after the book's taste group."""
    h, noun, other, adjective = _title_words(seed, "book-title", k, _BOOK_WORDS)
    patterns = (
        f"The {adjective} {noun}",
        f"{noun} of the {other}",
        f"A {noun} in {adjective} {other}",
        f'The "{noun}" Affair',
        f"{noun}, {other} and Other Stories",
        f"{adjective} {noun}: A Novel",
    )
    return patterns[(h >> 12) % len(patterns)]


def book_author(seed: int, k: int) -> str:
    """The book's author; each author writes about three books of one taste group."""
    group, author = k % TASTE_GROUPS, k // TASTE_GROUPS // 3
    return _person(seed, f"author-{group}", author)


def song_title(seed: int, k: int) -> str:
    """A plausible song title, worded after the song's taste group."""
    h, noun, other, adjective = _title_words(seed, "song-title", k, _SONG_WORDS)
    patterns = (f"{adjective} {noun}", f"{noun} {other}", f"{noun} (Live)", f"My {noun}")
    return patterns[(h >> 12) % len(patterns)]


def song_artist(seed: int, k: int) -> str:
    """The song's artist: a band or a person, each with about four songs of one group."""
    group, artist = k % TASTE_GROUPS, k // TASTE_GROUPS // 4
    h = _digest(seed, f"artist-{group}", artist)
    if h % 2:
        return f"The {_ADJECTIVES[(h >> 4) % len(_ADJECTIVES)]} {_BAND_NOUNS[(h >> 8) % 10]}"
    return _person(seed, f"artist-{group}", artist)


def _title_words(
    seed: int, label: str, k: int, groups_words: tuple[tuple[str, ...], ...]
) -> tuple[int, str, str, str]:
    """The item's digest and the words its title is made of: two nouns of its taste group's
    eight, different, and an adjective."""
    words = groups_words[k % TASTE_GROUPS]
    h = _digest(seed, label, k)
    noun, other = words[h % 8], words[(h % 8 + 1 + (h >> 4) % 7) % 8]
    return h, noun, other, _ADJECTIVES[(h >> 8) % len(_ADJECTIVES)]


@dataclass(frozen=True)
class _Planted:
    """What a catalog's writer starts from: its generator, the likes drawn with it, the ids."""

    rng: np.random.Generator
    likes: _Likes
    item_ids: list[str]  # item k, most popular first
    user_ids: list[str]


def _plant(catalog: Catalog, dest: Path, users: int, items: int, seed: int) -> _Planted:
    """Check the sizes, make `dest`, draw each user's liked items from the catalog's own
    random stream, and name the items and users."""
    _check_sizes(users, items)
    dest.mkdir(parents=True, exist_ok=True)
    naming = _NAMING[catalog]
    rng = np.random.default_rng([seed, naming.stream])
    return _Planted(
        rng,
        _planted_likes(users, items, rng),
        [naming.item_id(seed, k) for k in range(items)],
        naming.user_ids(users, seed),
    )


def _planted_likes(users: int, items: int, rng: np.random.Generator) -> _Likes:
    """Each user's liked items: Gumbel top-n over log(popularity * group affinity).

    Sampling n items without replacement with probability ∝ weight is the same as keeping the
    n largest log(weight) + Gumbel noise, which numpy does for a whole chunk of users at once.
    """
    rank = np.arange(items, dtype=np.float64)
    log_popularity = -ZIPF_EXPONENT * np.log1p(rank)
    item_group = np.arange(items) % TASTE_GROUPS
    # Out-of-group weight that leaves OWN_GROUP_SHARE of the mass in the user's own group.
    log_other = np.log((1 - OWN_GROUP_SHARE) / OWN_GROUP_SHARE / (TASTE_GROUPS - 1))
    sigma = 0.6
    counts = rng.lognormal(np.log(MEAN_LIKES) - sigma**2 / 2, sigma, users)
    counts = np.clip(np.rint(counts), 2, max(2, min(150, items // 2))).astype(np.int64)

    parts: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
    for start in range(0, users, _CHUNK_USERS):
        rows = np.arange(start, min(users, start + _CHUNK_USERS))
        own = item_group[None, :] == (rows % TASTE_GROUPS)[:, None]
        keys = log_popularity[None, :] + np.where(own, 0.0, log_other)
        keys = keys + rng.gumbel(size=keys.shape)
        ranked = np.argsort(-keys, axis=1)
        take = np.arange(items)[None, :] < counts[rows][:, None]
        parts.append((np.broadcast_to(rows[:, None], ranked.shape)[take], ranked[take]))
    liked_users = np.concatenate([p[0] for p in parts]).astype(np.int64)
    liked_items = np.concatenate([p[1] for p in parts]).astype(np.int64)
    return _Likes(
        users=liked_users,
        items=liked_items,
        own_group=item_group[liked_items] == liked_users % TASTE_GROUPS,
    )


def _other_interactions(
    likes: _Likes, users: int, items: int, rng: np.random.Generator
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Non-liked rows (implicit or low ratings) of popular items, never repeating a liked pair."""
    wanted = likes.users.size // 2
    weights = 1.0 / np.arange(1, items + 1) ** ZIPF_EXPONENT
    user_rows = rng.integers(0, users, wanted)
    item_rows = rng.choice(items, size=wanted, p=weights / weights.sum())
    pairs = user_rows * items + item_rows
    _, first = np.unique(pairs, return_index=True)
    fresh = np.zeros(wanted, dtype=bool)
    fresh[first] = True
    fresh &= ~np.isin(pairs, likes.users * items + likes.items)
    return user_rows[fresh], item_rows[fresh]


def _book_user_ids(users: int, seed: int) -> list[str]:
    """Numeric ids spread over 1..300000 like Book-Crossing's, fixed per user row."""
    return [str(1 + _digest(seed, "reader", u) % 9 + 10 * u) for u in range(users)]


def _listener_ids(users: int, seed: int) -> list[str]:
    """The Taste Profile's user ids of the first `users` listeners."""
    return [listener_id(seed, u) for u in range(users)]


def _person(seed: int, label: str, k: int) -> str:
    h = _digest(seed, label, k)
    return f"{_FIRST_NAMES[h % len(_FIRST_NAMES)]} {_LAST_NAMES[(h >> 8) % len(_LAST_NAMES)]}"


def _digest(seed: int, label: str, k: int, attempt: int = 0) -> int:
    data = f"{seed}:{label}:{k}:{attempt}".encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


_ISSUED: dict[tuple[int, str], tuple[list[str], set[str]]] = {}


def _unique_id(seed: int, label: str, k: int, make: Callable[[int], str]) -> str:
    """The id of item k: derived from (seed, k), re-drawn while a smaller k already holds it.

    Ids are settled in order of k and memoised, so item k's id depends on the seed and k
    alone, never on how many items a dataset has.
    """
    ids, taken = _ISSUED.setdefault((seed, label), ([], set()))
    while len(ids) <= k:
        attempt = 0
        while (candidate := make(_digest(seed, label, len(ids), attempt))) in taken:
            attempt += 1
        ids.append(candidate)
        taken.add(candidate)
    return ids[k]


def _isbn_from(h: int) -> str:
    body = f"{h % 10**9:09d}"
    return body + isbn10_check_digit(body)


def _msd_id(prefix: str, h: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    hexdigits = "0123456789ABCDEF"
    head = "".join(letters[(h >> (5 * i)) % 26] for i in range(5))
    tail = "".join(hexdigits[(h >> (30 + 4 * i)) % 16] for i in range(7))
    return f"{prefix}{head}12A{'B' if h % 3 else 'F'}{tail}"


def _check_sizes(users: int, items: int) -> None:
    if users < TASTE_GROUPS or items < 4 * TASTE_GROUPS:
        raise ValueError(
            f"need at least {TASTE_GROUPS} users and {4 * TASTE_GROUPS} items "
            f"(got {users} users, {items} items)"
        )


@dataclass(frozen=True)
class _Naming:
    """How one catalog names its items (by rank k) and its users (the first n), from a seed."""

    item_id: Callable[[int, int], str]  # (seed, k)
    title: Callable[[int, int], str]  # (seed, k)
    creator: Callable[[int, int], str]  # (seed, k)
    user_ids: Callable[[int, int], list[str]]  # (users, seed)
    stream: int  # the catalog's own random stream: np.random.default_rng([seed, stream])


_NAMING: dict[Catalog, _Naming] = {
    "books": _Naming(book_isbn, book_title, book_author, _book_user_ids, stream=1),
    "songs": _Naming(song_id, song_title, song_artist, _listener_ids, stream=2),
}


def _rows(catalog: Catalog, count: int, seed: int) -> Iterator[str]:
    for item, group, title, creator in first_items(catalog, count, seed):
        yield f"{item}\tgroup {group}\t{title} — {creator}"


def main(argv: list[str] | None = None) -> None:
    """`python -m training.synthetic --catalog books --out DIR`: write one synthetic dataset."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--catalog", choices=CATALOGS, required=True)
    parser.add_argument("--out", type=Path, help="folder to write the files into")
    parser.add_argument("--users", type=int, default=DEFAULT_USERS)
    parser.add_argument("--items", type=int, default=DEFAULT_ITEMS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--show-items",
        type=int,
        metavar="N",
        help="print the N most popular items' ids (items k, k+8, k+16… share a taste group)",
    )
    args = parser.parse_args(argv)
    if args.show_items:
        for row in _rows(args.catalog, args.show_items, args.seed):
            print(row)
        return
    if args.out is None:
        parser.error("--out is required unless --show-items is given")
    write = write_books if args.catalog == "books" else write_songs
    path = write(args.out, users=args.users, items=args.items, seed=args.seed)
    print(path)


if __name__ == "__main__":
    main()
