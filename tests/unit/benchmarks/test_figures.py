"""The benchmark's arithmetic: percentiles, ratios, bandwidth, overlap and tables."""

from __future__ import annotations

import pytest

from benchmarks.figures import (
    bandwidth_gb_s,
    fmt,
    markdown_table,
    median,
    percentiles_ms,
    ratio,
    requests_per_second,
    share_of_bandwidth,
    top_k_overlap,
)


def test_percentiles_are_nearest_rank_and_in_milliseconds():
    # Given latencies of 1..100 ms, shuffled
    seconds = [(n % 100 + 1) / 1000 for n in range(37, 137)]

    # When
    figures = percentiles_ms(seconds)

    # Then each percentile is an observed latency
    assert figures == pytest.approx({"p50": 50.0, "p95": 95.0, "p99": 99.0})


def test_percentiles_of_one_sample_are_that_sample():
    assert percentiles_ms([0.002]) == pytest.approx({"p50": 2.0, "p95": 2.0, "p99": 2.0})


def test_the_p99_of_few_samples_is_the_slowest():
    assert percentiles_ms([0.001, 0.001, 0.001, 0.010])["p99"] == pytest.approx(10.0)


def test_percentiles_of_nothing_are_refused():
    with pytest.raises(ValueError, match="no samples"):
        percentiles_ms([])


def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
    with pytest.raises(ValueError, match="no values"):
        median([])


def test_ratio_is_none_when_a_side_is_missing_or_zero():
    assert ratio(1.0, 4.0) == 0.25
    assert ratio(None, 4.0) is None
    assert ratio(1.0, None) is None
    assert ratio(1.0, 0.0) is None


def test_bandwidth_is_decimal_gigabytes_per_second():
    # 256 MiB of float32 user rows scanned in 12.5 ms
    assert bandwidth_gb_s(256 * 1024 * 1024, 0.0125) == pytest.approx(21.47, rel=1e-3)
    with pytest.raises(ValueError, match="positive time"):
        bandwidth_gb_s(1, 0.0)


def test_share_of_bandwidth():
    assert share_of_bandwidth(13.5, 27.0) == 0.5
    with pytest.raises(ValueError, match="positive"):
        share_of_bandwidth(1.0, 0.0)


def test_overlap_counts_reference_rows_found_in_any_order():
    reference = [[1, 2, 3, 4], [5, 6, 7, 8]]
    candidate = [[4, 3, 2, 1], [5, 6, 9, 10]]

    assert top_k_overlap(reference, candidate) == pytest.approx(0.75)


def test_overlap_needs_aligned_non_empty_lists():
    with pytest.raises(ValueError, match="reference lists"):
        top_k_overlap([[1]], [[1], [2]])
    with pytest.raises(ValueError, match="no queries"):
        top_k_overlap([], [])


def test_requests_per_second():
    assert requests_per_second(2000, 4.0) == 500.0
    with pytest.raises(ValueError, match="positive time"):
        requests_per_second(1, 0)


def test_figures_are_formatted_with_a_dash_when_missing():
    assert fmt(1234.567, 1) == "1,234.6"
    assert fmt(0.5, 0, " %") == "0 %"
    assert fmt(None) == "-"


def test_markdown_table_pads_and_aligns_figures_right():
    table = markdown_table(["bundle", "ms"], [["10k", "0.1"], ["1m", "12.25"]])

    assert table.splitlines() == [
        "| bundle |    ms |",
        "|:-------|------:|",
        "| 10k    |   0.1 |",
        "| 1m     | 12.25 |",
    ]


def test_markdown_table_refuses_a_short_row():
    with pytest.raises(ValueError, match="1 cells for 2 columns"):
        markdown_table(["a", "b"], [["x"]])
