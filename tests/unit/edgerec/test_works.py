"""Work keys: editions of one book share one; different books or authors do not."""

from __future__ import annotations

import pytest

from edgerec.works import fold, work_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            ("Harry Potter and the Sorcerer's Stone (Harry Potter (Paperback))", "J. K. Rowling"),
            ("Harry Potter and the Sorcerer's Stone", "J.K. ROWLING"),
        ),
        (("The Hobbit", "J.R.R. Tolkien"), ("The Hobbit [Large Print]", "J. R. R. Tolkien")),
        (("Café au lait", "Zoë Émile"), ("CAFE AU LAIT!", "Zoe Emile")),
    ],
    ids=["series note and initials", "edition note", "accents and punctuation"],
)
def test_editions_of_one_work_share_its_key(a, b):
    assert work_key(*a) == work_key(*b)


def test_different_books_or_authors_have_different_keys():
    hobbit = work_key("The Hobbit", "J.R.R. Tolkien")

    assert work_key("The Hobbit Companion", "J.R.R. Tolkien") != hobbit
    assert work_key("The Hobbit", "Coles Notes") != hobbit


def test_a_title_that_is_only_a_bracketed_note_keeps_its_words():
    assert work_key("(untitled)", "") == "untitled\t"
    assert fold("  Ünïcode_and  SPACES ") == "unicode and spaces"
