"""Dataset loaders on small files: every format, bad rows counted, broken files refused."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from training.datasets import (
    DatasetError,
    dataset_format,
    detect_and_load,
    load_book_crossing,
    load_generic,
    load_lastfm,
    load_taste_profile,
)

BX_RATINGS = (
    '"User-ID";"ISBN";"Book-Rating"\r\n'
    '"276725";"034545104X";"0"\r\n'
    '"276726";"0155061224";"5"\r\n'
    '"276726";"034545104x";"9"\r\n'
    '"276727";"0446520802";"4"\r\n'
    '"276727";"0155061224";"10"\r\n'
    '"276727";"3257224281";"8"\r\n'
    '"276728";"0155061224";"7";"extra"\r\n'
    '"276729";"0446520802";"ten"\r\n'
    '"276730";"0446520802";"6"\r\n'
)
BX_BOOKS = (
    '"ISBN";"Book-Title";"Book-Author";"Year-Of-Publication";"Publisher";'
    '"Image-URL-S";"Image-URL-M";"Image-URL-L"\r\n'
    '"034545104X";"Flesh Tones: A Novel";"M. J. Rose";"2002";"Ballantine Books";"s";"m";"l"\r\n'
    '"0155061224";"Rites of \\"Passage\\"; A Tale";"Judith Rae";"2001";"Heinle";"s";"m";"l"\r\n'
    '"0446520802";"Harry &amp; Sally";"Zoë Böhm";"1996";"N/A";"s";"m";"l"\r\n'
)
KAGGLE_BOOKS = (
    "ISBN,Book-Title,Book-Author,Year-Of-Publication,Publisher\n"
    "0446520802,The Notebook,Nicholas Sparks,1996,Warner\n"
    "034545104X,Flesh Tones,M. J. Rose,2002,Ballantine\n"
)


def write(path: Path, text: str | bytes, encoding: str = "utf-8") -> Path:
    data = text if isinstance(text, bytes) else text.encode(encoding)
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def likes(loaded) -> set[tuple[str, str, float]]:
    i = loaded.interactions
    return {
        (str(i.user_ids[u]), str(i.item_ids[k]), float(w))
        for u, k, w in zip(i.user_index, i.item_index, i.weight, strict=True)
    }


@pytest.fixture
def bx_folder(tmp_path: Path) -> Path:
    """The original dump's form: ';', fully quoted, latin-1, escaped quotes, gzip-compressed."""
    write(tmp_path / "BX-Book-Ratings.csv.gz", BX_RATINGS, "latin-1")
    write(tmp_path / "BX-Books.csv.gz", BX_BOOKS, "latin-1")
    return tmp_path


# --- Book-Crossing ------------------------------------------------------------------------


def test_original_bx_form_loads_likes_with_latin1_titles_and_escaped_quotes(bx_folder):
    loaded = load_book_crossing(bx_folder)
    catalog = loaded.interactions.catalog

    assert loaded.report.source.startswith("book-crossing (original")
    assert catalog["0155061224"].title == 'Rites of "Passage"; A Tale'
    assert catalog["0446520802"].creator == "Zoë Böhm"
    assert catalog["0446520802"].title == "Harry & Sally"


def test_ratings_of_five_or_more_of_listed_books_are_likes_and_zero_is_not(bx_folder):
    assert likes(load_book_crossing(bx_folder)) == {
        ("276726", "0155061224", 5.0),
        ("276726", "034545104X", 9.0),  # lowercase x matched to the book's ISBN
        ("276727", "0155061224", 10.0),
        ("276730", "0446520802", 6.0),
    }


def test_bad_rows_and_unlisted_isbns_are_counted_with_their_first_line(bx_folder):
    report = load_book_crossing(bx_folder).report
    ratings, books = report.files

    assert (ratings.name, ratings.rows) == ("BX-Book-Ratings.csv.gz", 9)
    assert ratings.skipped == {"wrong number of fields": 1, "rating not a whole number 0-10": 1}
    assert ratings.unmatched == {"ISBN not in BX-Books.csv.gz": 1}
    assert ratings.first_lines == {
        "wrong number of fields": 8,
        "rating not a whole number 0-10": 9,
        "ISBN not in BX-Books.csv.gz": 7,
    }
    assert (books.rows, books.skipped_rows) == (3, 0)
    assert (report.liked, report.users, report.items) == (4, 3, 3)


def test_a_higher_min_weight_keeps_only_the_better_ratings(bx_folder):
    loaded = detect_and_load(bx_folder, min_weight=9)

    assert likes(loaded) == {("276726", "034545104X", 9.0), ("276727", "0155061224", 10.0)}
    assert loaded.report.rule == "rating ≥ 9"


def test_without_a_books_file_every_rated_book_is_kept_titled_by_its_isbn(tmp_path):
    write(tmp_path / "BX-Book-Ratings.csv", BX_RATINGS, "latin-1")

    item = load_book_crossing(tmp_path).interactions.catalog["3257224281"]

    assert (item.title, item.creator) == ("3257224281", "Unknown")


def test_kaggle_form_loads_and_decodes_html_entities(tmp_path):
    write(tmp_path / "Ratings.csv", "User-ID,ISBN,Book-Rating\n1,0446520802,9\n2,0446520802,6\n")
    write(
        tmp_path / "Books.csv",
        "ISBN,Book-Title,Book-Author,Year-Of-Publication,Publisher\n"
        '0446520802,"Harry &amp; Sally, Again",José Ortega,1996,Warner\n',
    )

    loaded = detect_and_load(tmp_path)
    item = loaded.interactions.catalog["0446520802"]

    assert loaded.report.source == "book-crossing (Kaggle re-export)"
    assert (item.title, item.creator, item.popularity) == ("Harry & Sally, Again", "José Ortega", 2)


# --- broken files -------------------------------------------------------------------------


def test_latin1_text_in_a_utf8_file_is_read_as_latin1_and_counted(tmp_path):
    books = KAGGLE_BOOKS.encode() + "0155061224,Café Noir,Zoë Böhm,2001,Heinle\n".encode("latin-1")
    write(tmp_path / "Books.csv", books.replace(b"Nicholas", "Nicolás".encode()))
    write(tmp_path / "Ratings.csv", "User-ID,ISBN,Book-Rating\n1,0446520802,9\n1,0155061224,8\n")

    loaded = detect_and_load(tmp_path)
    catalog = loaded.interactions.catalog
    books_report = loaded.report.files[1]

    assert (catalog["0155061224"].title, catalog["0155061224"].creator) == ("Café Noir", "Zoë Böhm")
    assert catalog["0446520802"].creator == "Nicolás Sparks"  # valid UTF-8 left alone
    assert books_report.repaired == {"not UTF-8, read as latin-1": 1}
    assert books_report.first_lines["not UTF-8, read as latin-1"] == 4
    assert books_report.skipped_rows == 0


def test_windows_1252_quotes_in_a_utf8_file_become_curly_quotes(tmp_path):
    write(tmp_path / "interactions.csv", "user_id,item_id\nu1,a\n")
    write(tmp_path / "items.csv", b"item_id,title,creator\na,\x93Quoted\x94,Me\n")

    assert load_generic(tmp_path).interactions.catalog["a"].title == "\u201cQuoted\u201d"


def test_a_stray_quote_that_never_closes_costs_only_its_own_line(tmp_path):
    write(
        tmp_path / "Ratings.csv",
        "User-ID,ISBN,Book-Rating\n"
        "1,0446520802,9\n"
        '2,"0446520802,9\n'  # opens a quoted field that runs to the end of the file
        "3,0446520802,7\n"
        "4,034545104X,8\n",
    )
    write(tmp_path / "Books.csv", KAGGLE_BOOKS)

    loaded = detect_and_load(tmp_path)
    ratings = loaded.report.files[0]

    assert likes(loaded) == {
        ("1", "0446520802", 9.0),
        ("3", "0446520802", 7.0),
        ("4", "034545104X", 8.0),
    }
    assert (ratings.rows, ratings.skipped) == (4, {"unbalanced quotes": 1})
    assert ratings.first_lines["unbalanced quotes"] == 3


def test_two_stray_quotes_do_not_swallow_the_lines_between_them(tmp_path):
    write(
        tmp_path / "Ratings.csv",
        "User-ID,ISBN,Book-Rating\n"
        '1,"0446520802,9\n'
        "2,0446520802,6\n"
        "3,0446520802,7\n"
        '4,"034545104X,8\n'
        "5,034545104X,5\n"
        "6,034545104X,9;extra,field\n",
    )
    write(tmp_path / "Books.csv", KAGGLE_BOOKS)

    loaded = detect_and_load(tmp_path)
    ratings = loaded.report.files[0]

    assert {user for user, _, _ in likes(loaded)} == {"2", "3", "5"}
    assert ratings.skipped == {"unbalanced quotes": 2, "wrong number of fields": 1}
    assert ratings.first_lines == {"unbalanced quotes": 2, "wrong number of fields": 7}


def test_a_stray_quote_inside_a_bx_field_leaves_one_unlisted_isbn(tmp_path):
    ratings = '"User-ID";"ISBN";"Book-Rating"\r\n"1";"04465"20802";"9"\r\n"2";"0446520802";"6"\r\n'
    write(tmp_path / "BX-Book-Ratings.csv", ratings, "latin-1")
    write(tmp_path / "BX-Books.csv", BX_BOOKS, "latin-1")

    loaded = load_book_crossing(tmp_path)

    assert likes(loaded) == {("2", "0446520802", 6.0)}
    assert loaded.report.files[0].unmatched == {"ISBN not in BX-Books.csv": 1}


def test_rows_with_too_few_or_too_many_fields_are_skipped_and_counted(tmp_path):
    write(
        tmp_path / "interactions.csv",
        "user_id,item_id,weight\nu1,a,1\nu1,b\nu2,a,2,extra\nu2,b,3\n\nu3,a,1\n",
    )

    loaded = load_generic(tmp_path)
    report = loaded.report.files[0]

    assert likes(loaded) == {("u1", "a", 1.0), ("u2", "b", 3.0), ("u3", "a", 1.0)}
    assert report.rows == 6
    assert report.skipped == {
        "wrong number of fields": 1,
        "weight not a number": 1,  # the short row's missing weight
        "blank line": 1,
    }
    assert report.first_lines == {
        "wrong number of fields": 4,
        "weight not a number": 3,
        "blank line": 6,
    }


def test_a_mostly_garbage_file_is_refused_naming_the_file_and_its_first_bad_line(tmp_path):
    rows = "".join(f"{n},not-a-rating-{n},??\n" for n in range(20))
    write(tmp_path / "Ratings.csv", "User-ID,ISBN,Book-Rating\n1,0446520802,9\n" + rows)

    with pytest.raises(DatasetError) as refused:
        detect_and_load(tmp_path)

    message = str(refused.value)
    assert message.startswith("Ratings.csv is mostly unreadable: 20 of 21 rows skipped")
    assert "the first bad line is line 3 of Ratings.csv (rating not a whole number 0-10)" in message


def truncated_gzip() -> bytes:
    data = gzip.compress(b"user_id,item_id\n" + b"u1,a\n" * 1000)
    return data[: len(data) // 2]


REFUSED = [
    pytest.param(
        {"user_artists.dat": b"userID\tartistID\tweight\n" + bytes(range(256)) * 40},
        r"user_artists\.dat is mostly unreadable.*line \d+",
        id="a binary file, as mostly unreadable",
    ),
    pytest.param(
        {"Ratings.csv": b"\x00\x01 garbage\nmore garbage\n"},
        r"Ratings\.csv lacks the column\(s\) User-ID",
        id="a file without the expected columns",
    ),
    pytest.param(
        {"interactions.csv": b"user_id,item_id\nu1,a\n", "items.csv": b"item_id,name\na,Alpha\n"},
        r"items\.csv lacks the column\(s\) title",
        id="a catalog file missing its title column",
    ),
    pytest.param(
        {"BX-Book-Ratings.csv": b""}, r"^BX-Book-Ratings\.csv is empty$", id="an empty file"
    ),
    pytest.param(
        {"BX-Book-Ratings.csv": b"\n\n  \r\n"},
        r"^BX-Book-Ratings\.csv is empty$",
        id="a file of blank lines, as empty",
    ),
    pytest.param(
        {"interactions.csv": b"user_id,item_id,weight\n"},
        r"interactions\.csv holds no rows",
        id="a file with only its header, as holding no rows",
    ),
    pytest.param(
        {"interactions.csv.gz": truncated_gzip()},
        r"interactions\.csv\.gz cannot be read",
        id="a truncated gzip file",
    ),
    pytest.param(
        {"interactions.csv": b"user_id,item_id,weight\nu1,a,0\nu2,a,-1\n"},
        r"no liked interactions \(weight > 0\)",
        id="a dataset with no liked rows, with its report",
    ),
]


@pytest.mark.parametrize(("files", "message"), REFUSED)
def test_a_dataset_that_cannot_be_loaded_is_refused_naming_the_file_and_why(
    tmp_path, files: dict[str, bytes], message: str
):
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)

    with pytest.raises(DatasetError, match=message):
        detect_and_load(tmp_path)


# --- Last.fm HetRec 2011 ------------------------------------------------------------------


@pytest.fixture
def lastfm_folder(tmp_path: Path) -> Path:
    """HetRec's form: tabs, no quoting, CRLF plays, UTF-8 artists with a quote in a name."""
    write(
        tmp_path / "user_artists.dat.gz",
        "userID\tartistID\tweight\r\n"
        "2\t51\t13883\r\n"
        "2\t1686\t52\r\n"
        "3\t51\t7\r\n"
        "3\t9999\t40\r\n"  # an artist artists.dat does not list
        "4\t51\tmany\r\n",
    )
    write(
        tmp_path / "artists.dat.gz",
        "id\tname\turl\tpictureURL\n"
        "51\tDuran Duran\thttp://www.last.fm/music/Duran+Duran\thttp://userserve-ak/1.jpg\n"
        '1686\t"Weird Al" Yankovic\thttp://www.last.fm/music/%22Weird+Al%22\t\n'
        "89\tBallakÃ© Sissoko\thttp://www.last.fm/music/Ballak\t\n",
    )
    return tmp_path


def test_lastfm_plays_are_likes_of_artists_named_as_title_and_creator(lastfm_folder):
    loaded = detect_and_load(lastfm_folder)
    weird_al = loaded.interactions.catalog["1686"]

    assert loaded.report.source == "last.fm (HetRec 2011)"
    assert likes(loaded) == {("2", "51", 13883.0), ("2", "1686", 52.0), ("3", "51", 7.0)}
    assert (weird_al.title, weird_al.creator) == ('"Weird Al" Yankovic', '"Weird Al" Yankovic')


def test_lastfm_bad_play_counts_and_unlisted_artists_are_counted(lastfm_folder):
    plays, artists = load_lastfm(lastfm_folder).report.files

    assert plays.rows == 5
    assert plays.skipped == {"play count not a whole number ≥ 1": 1}
    assert plays.unmatched == {"artist not in artists.dat.gz": 1}
    assert plays.first_lines == {
        "play count not a whole number ≥ 1": 6,
        "artist not in artists.dat.gz": 5,
    }
    assert (artists.rows, artists.skipped_rows) == (3, 0)


def test_lastfm_min_weight_keeps_only_artists_played_that_often(lastfm_folder):
    loaded = load_lastfm(lastfm_folder, min_weight=50)

    assert likes(loaded) == {("2", "51", 13883.0), ("2", "1686", 52.0)}


# --- Taste Profile ------------------------------------------------------------------------


def test_taste_profile_loads_play_counts_and_track_metadata(tmp_path):
    user = "b80344d063b5ccb3212f76538f3d9e43d87dca9e"
    write(
        tmp_path / "train_triplets.txt",
        f"{user}\tSOAKIMP12A8C130995\t1\n{user}\tSOAPDEY12A81C210A9\t3\n"
        f"{user}\tSOBBMDR12A8C13253B\tx\nnot a triplet line\n",
    )
    write(
        tmp_path / "unique_tracks.txt",
        "TRMMMYQ128F932D901<SEP>SOAKIMP12A8C130995<SEP>Sigur Rós<SEP>Hoppípolla\nbroken line\n"
        "TRMMMKD128F425225D<SEP>SOBBMDR12A8C13253B<SEP>Karkkiautomaatti<SEP>Tanssi vaan\n",
    )

    loaded = load_taste_profile(tmp_path)
    song = loaded.interactions.catalog["SOAKIMP12A8C130995"]
    triplets, tracks = loaded.report.files

    assert (song.title, song.creator) == ("Hoppípolla", "Sigur Rós")
    assert likes(loaded) == {(user, "SOAKIMP12A8C130995", 1.0)}
    assert triplets.skipped == {
        "play count not a whole number ≥ 1": 1,  # "x"
        "blank user or song": 1,  # the line without tabs: one field
    }
    assert triplets.unmatched == {"song not in unique_tracks.txt": 1}
    assert (tracks.skipped, tracks.first_lines) == (
        {"wrong number of fields": 1},
        {"wrong number of fields": 2},
    )


def test_taste_profile_without_track_metadata_titles_songs_by_id(tmp_path):
    write(tmp_path / "train_triplets.txt.gz", "u1\tSOAPDEY12A81C210A9\t3\n")

    item = detect_and_load(tmp_path).interactions.catalog["SOAPDEY12A81C210A9"]

    assert (item.title, item.creator) == ("SOAPDEY12A81C210A9", "Unknown")


# --- the generic form ---------------------------------------------------------------------


@pytest.fixture
def generic_folder(tmp_path: Path) -> Path:
    write(
        tmp_path / "interactions.csv",
        "user_id,item_id,weight\nalice,m1,5\nalice,m2,0.5\nbob,m1,2\nbob,m3,0\nbob,zz,4\n",
    )
    write(
        tmp_path / "items.csv",
        'item_id,title,creator\nm1,"Film, The",Ann Director\nm2,Second,\nm3,Third,Someone\n',
    )
    return tmp_path


def test_generic_weights_above_zero_are_likes_by_default(generic_folder):
    loaded = detect_and_load(generic_folder)
    film = loaded.interactions.catalog["m1"]

    assert loaded.report.source == "generic (interactions.csv)"
    assert likes(loaded) == {("alice", "m1", 5.0), ("alice", "m2", 0.5), ("bob", "m1", 2.0)}
    assert (film.title, film.creator) == ("Film, The", "Ann Director")
    assert loaded.interactions.catalog["m2"].creator == "Unknown"
    assert loaded.report.files[0].unmatched == {"item not in items.csv": 1}


def test_generic_min_weight_decides_what_is_liked(generic_folder):
    loaded = load_generic(generic_folder, min_weight=2)

    assert likes(loaded) == {("alice", "m1", 5.0), ("bob", "m1", 2.0)}
    assert loaded.report.rule == "weight ≥ 2"


def test_generic_without_weights_or_items_likes_every_row_titled_by_id(tmp_path):
    write(tmp_path / "interactions.csv", "item_id,user_id\nm1,alice\nm2,alice\n")

    loaded = detect_and_load(tmp_path)

    assert likes(loaded) == {("alice", "m1", 1.0), ("alice", "m2", 1.0)}
    assert loaded.interactions.catalog["m1"].title == "m1"


def test_generic_items_without_a_creator_column_are_credited_to_unknown(tmp_path):
    write(tmp_path / "interactions.csv", "user_id,item_id\nu1,a\n")
    write(tmp_path / "items.csv", "item_id,title\na,Alpha\n")

    item = detect_and_load(tmp_path).interactions.catalog["a"]

    assert (item.title, item.creator) == ("Alpha", "Unknown")


# --- recognising a folder -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("BX-Book-Ratings.csv.gz", "book-crossing"),
        ("Ratings.csv", "book-crossing"),
        ("user_artists.dat", "lastfm"),
        ("train_triplets.txt.gz", "taste-profile"),
        ("interactions.csv", "generic"),
        ("notes.txt", None),
    ],
)
def test_a_folder_is_recognised_by_its_file_names(tmp_path, name, expected):
    write(tmp_path / name, "x")

    assert dataset_format(tmp_path) == expected


def test_a_folder_without_a_known_dataset_is_refused_listing_what_it_holds(tmp_path):
    write(tmp_path / "notes.txt", "hello")

    with pytest.raises(DatasetError, match=r"no known dataset .* found notes\.txt"):
        detect_and_load(tmp_path)
