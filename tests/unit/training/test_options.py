"""The options every training command shares: what they accept before any work starts."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import pytest

from training import cli, evaluate
from training.options import add_training_options, checked_catalog_name, training_inputs

COMMANDS = pytest.mark.parametrize("command", [cli.main, evaluate.main], ids=["cli", "evaluate"])


@COMMANDS
@pytest.mark.parametrize("bad", ["Books", "books/2", "a#b", "", "-x", "x" * 64])
def test_every_training_command_refuses_a_catalog_name_unsafe_in_urls_and_keys(
    command: Callable[[list[str]], None], bad, tmp_path, capsys
):
    with pytest.raises(SystemExit):
        command([f"--catalog={bad}", "--data", str(tmp_path), "--out", str(tmp_path)])

    assert "not a catalog name" in capsys.readouterr().err


@pytest.mark.parametrize("good", ["books", "synthetic-books", "lastfm-2k", "x" * 63])
def test_a_catalog_name_of_lowercase_letters_digits_and_dashes_is_accepted(good):
    assert checked_catalog_name(good) == good


@COMMANDS
def test_every_training_command_refuses_a_folder_without_a_dataset(
    command: Callable[[list[str]], None], tmp_path
):
    with pytest.raises(SystemExit, match="no known dataset"):
        command(["--catalog", "books", "--data", str(tmp_path), "--out", str(tmp_path)])


def parsed(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_training_options(parser, out_help="where results go")
    return parser.parse_args(list(argv))


def test_the_inputs_hold_the_preset_with_its_epochs_and_the_loaded_dataset(small_songs):
    args = parsed("--catalog", "songs", "--data", str(small_songs), "--out", "o",
                  "--preset", "smoke", "--epochs", "2")  # fmt: skip

    inputs = training_inputs(args)

    assert (inputs.catalog, inputs.data, inputs.preset) == ("songs", small_songs, "smoke")
    assert inputs.config.epochs == 2
    assert inputs.config.embedding_dim == 16  # the smoke preset's
    assert inputs.loaded.report.source == "taste profile (Echo Nest)"


def test_a_configuration_the_preset_refuses_stops_before_the_data_is_read(tmp_path):
    args = parsed("--catalog", "songs", "--data", str(tmp_path), "--out", "o", "--epochs", "0")

    with pytest.raises(SystemExit, match=r"^error: invalid training configuration values: epochs$"):
        training_inputs(args)


def test_a_min_weight_decides_what_the_loaded_dataset_counts_as_liked(small_books):
    default = training_inputs(parsed("--catalog", "b", "--data", str(small_books), "--out", "o"))
    stricter = training_inputs(
        parsed("--catalog", "b", "--data", str(small_books), "--out", "o", "--min-weight", "9")
    )

    assert default.loaded.report.rule == "rating ≥ 5"
    assert stricter.loaded.report.rule == "rating ≥ 9"
    assert len(stricter.loaded.interactions) < len(default.loaded.interactions)
