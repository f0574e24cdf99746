"""Settings read from the environment: Powertools names get this service's defaults."""

from __future__ import annotations

import pytest

from edgerec.settings import (
    Settings,
    cors_allowed_origin,
    metrics_namespace,
    numkong_kernels,
    service_name,
)


def test_metrics_namespace_defaults_to_edge_recommender():
    assert metrics_namespace({}) == "EdgeRecommender"
    assert metrics_namespace({"POWERTOOLS_METRICS_NAMESPACE": "Staging"}) == "Staging"


def test_service_name_defaults_to_edge_recommender():
    assert service_name({"POWERTOOLS_SERVICE_NAME": " "}) == "edge-recommender"
    assert service_name({"POWERTOOLS_SERVICE_NAME": "api"}) == "api"


BASE = {"MODEL_BUCKET": "b", "TOP_ITEMS_TABLE": "t"}


def test_the_live_refresh_interval_defaults_to_a_minute_and_can_be_set():
    assert Settings.from_env(BASE).live_refresh_seconds == 60
    assert Settings.from_env({**BASE, "LIVE_REFRESH_SECONDS": "5"}).live_refresh_seconds == 5


@pytest.mark.parametrize("bad", ["soon", "-1", "100000"])
def test_a_bad_live_refresh_interval_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="LIVE_REFRESH_SECONDS"):
        Settings.from_env({**BASE, "LIVE_REFRESH_SECONDS": bad})


def test_the_strategy_and_neighbours_default_to_the_evaluations_best_and_can_be_set():
    default = Settings.from_env(BASE)
    chosen = Settings.from_env({**BASE, "STRATEGY": "shares", "NEIGHBOURS": "20"})

    assert (default.strategy, default.neighbours) == ("votes", 100)
    assert (chosen.strategy, chosen.neighbours) == ("shares", 20)


def test_an_unknown_strategy_is_refused_by_name_with_the_known_ones():
    with pytest.raises(ValueError, match="STRATEGY: unknown strategy 'best'; known strategies: "):
        Settings.from_env({**BASE, "STRATEGY": "best"})


def test_a_missing_bucket_is_refused_by_name():
    with pytest.raises(ValueError, match="MODEL_BUCKET"):
        Settings.from_env({"TOP_ITEMS_TABLE": "t"})


@pytest.mark.parametrize(
    ("env", "origin"),
    [
        ({}, "*"),
        ({"CORS_ALLOWED_ORIGIN": "  "}, "*"),
        ({"CORS_ALLOWED_ORIGIN": " https://shop.example "}, "https://shop.example"),
    ],
)
def test_the_allowed_cors_origin_is_any_unless_one_is_set(env, origin):
    assert cors_allowed_origin(env) == origin


def test_numkong_kernels_default_to_the_compact_layout():
    assert numkong_kernels({}) == "compact"
    assert numkong_kernels({"NUMKONG_KERNELS": " native "}) == "native"
