"""Settings from the environment, read once into a frozen, typed object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# Nearest users blended per answer: the most one DynamoDB BatchGetItem reads, and the
# evaluation's best on Book-Crossing, where few users share any item (docs/evaluation.md).
DEFAULT_NEIGHBOURS = 100

# The values STRATEGY may take, each a strategy of `edgerec.strategies` (a test keeps the two
# equal). Names only: configuration must not import the use case.
STRATEGY_NAMES = ("votes", "query-votes", "shares", "items")
# The evaluation's choice: the only strategy at least as good as co-occurrence on both real
# datasets (docs/evaluation.md).
DEFAULT_STRATEGY = "votes"


def unknown_strategy(name: str) -> ValueError:
    """The error for a strategy name that is not one of `STRATEGY_NAMES`, listing them."""
    return ValueError(f"unknown strategy {name!r}; known strategies: {', '.join(STRATEGY_NAMES)}")


# /tmp is the only writable folder on Lambda; the function owns its execution environment.
DEFAULT_CACHE_DIR = "/tmp/edgerec-bundles"  # nosec B108


@dataclass(frozen=True)
class Settings:
    """Everything serving and publishing read from the environment.

    Endpoints are never configured here: boto3 reads AWS_ENDPOINT_URL by itself, so the same
    code talks to AWS or to a local moto server.
    """

    model_bucket: str  # S3 bucket holding bundles and live pointers
    top_items_table: str  # DynamoDB table of each user's best items, keyed by version
    cache_dir: Path  # where downloaded bundles are kept between cold starts (/tmp on Lambda)
    neighbours: int  # how many nearest users' lists are blended into one answer
    # How often a warm process re-reads the live pointers, to pick up a newly published version.
    live_refresh_seconds: float = 60.0
    # How nearest users' lists become one answer (edgerec.strategies): the evaluation's best.
    strategy: str = DEFAULT_STRATEGY

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Parse settings from `env` (default: os.environ); raises ValueError naming the bad one."""
        env = os.environ if env is None else env
        try:
            neighbours = int(env.get("NEIGHBOURS", str(DEFAULT_NEIGHBOURS)))
        except ValueError as e:
            raise ValueError(f"NEIGHBOURS must be a whole number, not {env['NEIGHBOURS']!r}") from e
        if not 1 <= neighbours <= 100:  # one BatchGetItem reads at most 100 keys
            raise ValueError(f"NEIGHBOURS must be between 1 and 100, not {neighbours}")
        try:
            refresh = float(env.get("LIVE_REFRESH_SECONDS", "60"))
        except ValueError as e:
            raise ValueError(
                f"LIVE_REFRESH_SECONDS must be a number, not {env['LIVE_REFRESH_SECONDS']!r}"
            ) from e
        if not 0 <= refresh <= 86400:
            raise ValueError(f"LIVE_REFRESH_SECONDS must be between 0 and 86400, not {refresh}")
        strategy = env.get("STRATEGY", "").strip() or DEFAULT_STRATEGY
        if strategy not in STRATEGY_NAMES:
            raise ValueError(f"STRATEGY: {unknown_strategy(strategy)}")
        return cls(
            model_bucket=_required(env, "MODEL_BUCKET"),
            top_items_table=_required(env, "TOP_ITEMS_TABLE"),
            cache_dir=Path(env.get("BUNDLE_CACHE_DIR", DEFAULT_CACHE_DIR)),
            neighbours=neighbours,
            live_refresh_seconds=refresh,
            strategy=strategy,
        )


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ValueError(f"environment variable {name} must be set")
    return value


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process's settings, parsed on first use."""
    return Settings.from_env()


# Powertools reads its own variables; these two are read here only to give them defaults.
DEFAULT_SERVICE_NAME = "edge-recommender"
DEFAULT_METRICS_NAMESPACE = "EdgeRecommender"


def service_name(env: Mapping[str, str] | None = None) -> str:
    """POWERTOOLS_SERVICE_NAME, or this service's name when it is unset."""
    env = os.environ if env is None else env
    return env.get("POWERTOOLS_SERVICE_NAME", "").strip() or DEFAULT_SERVICE_NAME


def metrics_namespace(env: Mapping[str, str] | None = None) -> str:
    """POWERTOOLS_METRICS_NAMESPACE, or "EdgeRecommender" when it is unset."""
    env = os.environ if env is None else env
    return env.get("POWERTOOLS_METRICS_NAMESPACE", "").strip() or DEFAULT_METRICS_NAMESPACE


def numkong_kernels(env: Mapping[str, str] | None = None) -> str:
    """NUMKONG_KERNELS: which int8 kernels the user index uses (`edgerec.compact_index.
    choose_kernels`), "compact" when it is unset. Read apart from Settings: the function's
    entry point applies it at start-up, before the bucket and table are needed."""
    env = os.environ if env is None else env
    return env.get("NUMKONG_KERNELS", "").strip() or "compact"


def cors_allowed_origin(env: Mapping[str, str] | None = None) -> str:
    """CORS_ALLOWED_ORIGIN: the one web origin whose pages may call the API, or "*" (any page)
    when it is unset, as locally. Read apart from Settings: the API reads it when its module
    loads, before (and without) the bucket and table."""
    env = os.environ if env is None else env
    return env.get("CORS_ALLOWED_ORIGIN", "").strip() or "*"
