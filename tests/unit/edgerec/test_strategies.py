"""The strategies by name: the names settings accepts, and how a name is looked up."""

from __future__ import annotations

import pytest

from edgerec.settings import DEFAULT_STRATEGY as SETTINGS_DEFAULT
from edgerec.settings import STRATEGY_NAMES
from edgerec.strategies import DEFAULT_STRATEGY, STRATEGIES, strategy_named


def test_settings_accept_exactly_the_strategies_there_are_in_their_order():
    assert tuple(STRATEGIES) == STRATEGY_NAMES
    assert DEFAULT_STRATEGY == SETTINGS_DEFAULT
    assert DEFAULT_STRATEGY in STRATEGIES


def test_every_strategy_is_known_by_its_own_name_and_describes_itself():
    for name, strategy in STRATEGIES.items():
        assert strategy_named(name) is strategy
        assert strategy.name == name
        assert strategy.description


def test_only_the_items_strategy_reads_no_list():
    assert {name for name, s in STRATEGIES.items() if not s.reads_lists} == {"items"}


def test_an_unknown_strategy_name_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="known strategies: votes, query-votes, shares, items"):
        strategy_named("magic")
