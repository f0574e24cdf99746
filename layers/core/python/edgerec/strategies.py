"""The ways a query can become a ranking, by name: what `STRATEGY` chooses among.

Only data here (no numpy, no other edgerec module), so settings can check a name when it
parses the environment; `edgerec.recommend` does the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Strategy:
    """How a query becomes a ranking: which signal scores items, and how lists are blended.

    Every strategy starts from the same query (the mean of the liked items' embeddings) and
    the same nearest users; they differ in what they do next. `training.evaluate` scores
    each one on held-out newcomers, and the best is the service's default (`STRATEGY`).
    """

    name: str
    # "votes": `vote_top_items`; "shares": `blend_top_items`; "items": the items nearest the
    # query in embedding space, with no list read at all.
    scoring: Literal["votes", "shares", "items"]
    # votes only: a neighbour whose list holds n of the liked items votes 1 + boost * n.
    overlap_boost: float = 0.0
    # Where the nearest users come from: "query", the mean of the liked items' embeddings
    # (the model's own question); "each item", every liked item's nearest users in turn.
    neighbours_of: Literal["query", "each item"] = "query"
    description: str = ""

    @property
    def reads_lists(self) -> bool:
        """Whether the strategy reads the nearest users' lists (a DynamoDB read)."""
        return self.scoring != "items"


# Chosen on held-out newcomers of Book-Crossing and Last.fm (README, "Evaluation"): with
# 100 neighbours, a boost of 10 raised Recall@10 on Book-Crossing by half over plain votes
# (0.029 to 0.044), and 30 or 100 changed nothing.
OVERLAP_BOOST = 10.0

STRATEGIES: dict[str, Strategy] = {
    strategy.name: strategy
    for strategy in (
        Strategy(
            "votes",
            "votes",
            overlap_boost=OVERLAP_BOOST,
            neighbours_of="each item",
            description="each liked item's nearest users in turn; each one's list votes for "
            f"its items, users whose list holds the liked items 1 + {OVERLAP_BOOST:g} x as many",
        ),
        Strategy(
            "query-votes",
            "votes",
            overlap_boost=OVERLAP_BOOST,
            description="as votes, with the users nearest the mean of the liked items",
        ),
        Strategy(
            "shares",
            "shares",
            description="the first design: each nearest user's list weights, as shares, "
            "scaled by similarity",
        ),
        Strategy("items", "items", description="the items nearest the query embedding"),
    )
}
# The evaluation's choice: the only strategy at least as good as co-occurrence on both real
# datasets (query-votes wins on Last.fm, by less than votes wins on Book-Crossing).
DEFAULT_STRATEGY = "votes"


def strategy_named(name: str) -> Strategy:
    """The strategy called `name`.

    Raises:
        ValueError: `name` is not a strategy (the message lists the known ones).
    """
    try:
        return STRATEGIES[name]
    except KeyError:
        raise ValueError(
            f"unknown strategy {name!r}; known strategies: {', '.join(STRATEGIES)}"
        ) from None
