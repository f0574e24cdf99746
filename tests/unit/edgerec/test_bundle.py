"""The bundle's item table: columns read as they are, each row made a CatalogItem when asked
for; and the manifest's format version."""

from __future__ import annotations

import json

import numpy as np
import pytest

from edgerec.bundle import FORMAT_VERSION, ITEMS, MANIFEST, CatalogItem, ItemTable, read_bundle
from edgerec.errors import BundleError
from tests.unit.edgerec.bundle_factory import write_synthetic_bundle

ITEMS_AB = (CatalogItem("a", "Alpha", "Ann", 3), CatalogItem("b", "Beta", "Bo", 7))


def test_an_item_table_gives_the_same_items_as_a_tuple_of_them():
    table = ItemTable(["a", "b"], ["Alpha", "Beta"], ["Ann", "Bo"], [3, 7])

    assert table == ITEMS_AB
    assert (len(table), table[1], table[-1], table[:1]) == (
        2,
        ITEMS_AB[1],
        ITEMS_AB[1],
        ITEMS_AB[:1],
    )
    assert list(table) == list(ITEMS_AB)
    assert table.ids == ("a", "b")
    np.testing.assert_array_equal(table.popularity, [3, 7])


def test_an_item_table_survives_its_json_unchanged():
    table = ItemTable.of(ITEMS_AB)

    assert ItemTable.from_json(json.loads(table.to_json())) == ITEMS_AB


@pytest.mark.parametrize(
    "columns",
    [
        {"id": ["a"], "title": ["Alpha"], "creator": ["Ann"], "popularity": ["many"]},
        {"id": ["a"], "title": ["Alpha"], "creator": ["Ann"], "popularity": [[1]]},
        {"id": ["a", "b"], "title": ["Alpha"], "creator": ["Ann"], "popularity": [1]},
        {"id": ["a"], "title": ["Alpha"], "creator": ["Ann"]},
        {"columns": [], "rows": [["a", "Alpha", "Ann", 1]]},
    ],
    ids=["popularity not a number", "popularity a list", "short columns", "no popularity", "rows"],
)
def test_an_item_table_with_a_bad_or_missing_column_is_a_bundle_error(columns):
    with pytest.raises(BundleError, match="item table is malformed"):
        ItemTable.from_json(columns)


def test_a_read_bundle_indexes_its_items_by_id_in_row_order(tmp_path):
    write_synthetic_bundle(tmp_path)

    bundle = read_bundle(tmp_path)

    assert isinstance(bundle.items, ItemTable)
    assert bundle.item_rows == {item.id: row for row, item in enumerate(bundle.items)}
    np.testing.assert_array_equal(bundle.item_popularity, [i.popularity for i in bundle.items])


def test_an_item_file_without_columns_is_a_bundle_error(tmp_path):
    write_synthetic_bundle(tmp_path)
    (tmp_path / ITEMS).write_text(json.dumps({"columns": []}), encoding="utf-8")

    with pytest.raises(BundleError):
        read_bundle(tmp_path, verified=True)


def test_a_bundle_of_another_format_version_is_refused_naming_both_versions(tmp_path):
    write_synthetic_bundle(tmp_path)
    manifest = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))
    manifest["format_version"] = 1
    (tmp_path / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")

    with pytest.raises(BundleError, match=f"version 1 is not supported .*version {FORMAT_VERSION}"):
        read_bundle(tmp_path)
