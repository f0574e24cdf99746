"""The bundle's item table: rows read as they are, each made a CatalogItem when asked for."""

from __future__ import annotations

import json

import numpy as np
import pytest

from edgerec.bundle import ITEMS, CatalogItem, ItemTable, read_bundle
from edgerec.errors import BundleError
from tests.unit.edgerec.bundle_factory import write_synthetic_bundle

ROWS = [["a", "Alpha", "Ann", 3], ["b", "Beta", "Bo", 7]]


def test_an_item_table_gives_the_same_items_as_a_tuple_of_them():
    expected = (CatalogItem("a", "Alpha", "Ann", 3), CatalogItem("b", "Beta", "Bo", 7))

    table = ItemTable(ROWS)

    assert table == expected
    assert (len(table), table[1], table[-1], table[:1]) == (
        2,
        expected[1],
        expected[1],
        expected[:1],
    )
    assert list(table) == list(expected)
    assert table.ids == ("a", "b")
    np.testing.assert_array_equal(table.popularity, [3, 7])


@pytest.mark.parametrize(
    "rows", [[["a", "Alpha", "Ann"]], [["a", "Alpha", "Ann", "many"]], [["a", "Alpha", "Ann", [1]]]]
)
def test_a_row_without_a_whole_popularity_is_a_bundle_error(rows):
    with pytest.raises(BundleError):
        ItemTable(rows)


def test_a_read_bundle_indexes_its_items_by_id_in_row_order(tmp_path):
    write_synthetic_bundle(tmp_path)

    bundle = read_bundle(tmp_path)

    assert isinstance(bundle.items, ItemTable)
    assert bundle.item_index == {item.id: row for row, item in enumerate(bundle.items)}
    np.testing.assert_array_equal(bundle.item_popularity, [i.popularity for i in bundle.items])


def test_an_item_file_without_rows_is_a_bundle_error(tmp_path):
    write_synthetic_bundle(tmp_path)
    (tmp_path / ITEMS).write_text(json.dumps({"columns": []}), encoding="utf-8")

    with pytest.raises(BundleError):
        read_bundle(tmp_path, verified=True)
