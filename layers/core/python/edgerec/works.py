"""Works: the editions of one book (or releases of one song) share a work key.

Catalogues list one row per edition (an ISBN per printing); people mean the work. Two items
are editions of one work when their titles and creators agree once case, accents,
punctuation and a trailing series or edition note in brackets are ignored.
"""

from __future__ import annotations

import re
import unicodedata

_BRACKETED = re.compile(r"[(\[][^)\]]*[)\]]")
_NOT_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Lower case, accents and punctuation removed, words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", plain).replace("_", " ").strip()


def work_key(title: str, creator: str) -> str:
    """The key shared by every edition of one work: the folded title without bracketed notes
    ("(Harry Potter (Paperback))", "[Large Print]"), and the folded creator."""
    bare_title = _BRACKETED.sub(" ", title)
    return f"{fold(bare_title) or fold(title)}\t{fold(creator)}"
