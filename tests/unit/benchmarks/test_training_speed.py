"""How `make bench-train` reads its per-epoch figures."""

from __future__ import annotations

from benchmarks.training_speed import EpochFigures, first_reaching

EPOCHS = [
    EpochFigures(epoch=1, seconds=10.0, served_recall=0.02, seed_way_recall=0.01),
    EpochFigures(epoch=2, seconds=21.0, served_recall=0.05, seed_way_recall=0.012),
    EpochFigures(epoch=3, seconds=30.0, served_recall=0.04, seed_way_recall=0.02),
]


def test_the_time_to_quality_is_that_of_the_first_epoch_reaching_it():
    assert first_reaching(EPOCHS, 0.03, "served_recall") == 21.0
    assert first_reaching(EPOCHS, 0.012, "seed_way_recall") == 21.0
    assert first_reaching(EPOCHS, 0.01, "served_recall") == 10.0


def test_a_quality_never_reached_has_no_time():
    assert first_reaching(EPOCHS, 0.06, "served_recall") is None
