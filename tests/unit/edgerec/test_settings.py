"""Settings read from the environment: Powertools names get this service's defaults."""

from __future__ import annotations

from edgerec.settings import metrics_namespace, service_name


def test_metrics_namespace_defaults_to_edge_recommender():
    assert metrics_namespace({}) == "EdgeRecommender"
    assert metrics_namespace({"POWERTOOLS_METRICS_NAMESPACE": "Staging"}) == "Staging"


def test_service_name_defaults_to_edge_recommender():
    assert service_name({"POWERTOOLS_SERVICE_NAME": " "}) == "edge-recommender"
    assert service_name({"POWERTOOLS_SERVICE_NAME": "api"}) == "api"
