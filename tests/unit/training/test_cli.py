"""The training command line: what it accepts before any work starts."""

from __future__ import annotations

import pytest

from training.cli import main


@pytest.mark.parametrize("bad", ["Books", "books/2", "a#b", "", "-x", "x" * 64])
def test_the_cli_refuses_a_catalog_name_unsafe_in_urls_and_keys(bad, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main([f"--catalog={bad}", "--data", str(tmp_path), "--out", str(tmp_path)])

    assert "not a catalog name" in capsys.readouterr().err
