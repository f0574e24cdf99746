"""The API's request and response models, and the limits they enforce and document."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    field_validator,
)

MAX_LIKED_ITEMS = 10
MAX_RECOMMENDATIONS = 100
MAX_SEARCH_RESULTS = 50
MAX_TEXT = 200  # longest item id or search text accepted; real ones are far shorter


def _whole_number(value: Any) -> Any:
    """5.0 as 5: JSON Schema counts it an integer, and so does the OpenAPI document; strings and
    booleans stay refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class RecommendationRequest(BaseModel):
    """Items someone loves, and how many recommendations they want."""

    model_config = ConfigDict(extra="forbid")

    items: list[Annotated[StrictStr, Field(min_length=1, max_length=MAX_TEXT)]] = Field(
        min_length=1,
        max_length=MAX_LIKED_ITEMS,
        description="Ids of the items someone loves: distinct, known to the catalog.",
        json_schema_extra={"uniqueItems": True},
    )
    limit: Annotated[StrictInt, BeforeValidator(_whole_number)] = Field(
        default=10, ge=1, le=MAX_RECOMMENDATIONS, description="How many items to recommend."
    )

    @field_validator("items")
    @classmethod
    def items_are_distinct(cls, items: list[str]) -> list[str]:
        """Refuse repeated ids: each liked item counts once, so a repeat is a client bug."""
        repeated = sorted({i for i in items if items.count(i) > 1})
        if repeated:
            raise ValueError(f"item ids must be distinct; repeated: {', '.join(repeated)}")
        return items


class ItemOut(BaseModel):
    """An item as a page shows it."""

    id: str
    title: str
    creator: str


class RecommendedItemOut(ItemOut):
    """A recommended item, its score (its share of the nearest users' vote, 0 to 1), and the
    liked item it is most like (`because`), for the page to say why it is there."""

    score: float
    because: str | None


class ItemsOut(BaseModel):
    """Search results, best first."""

    items: list[ItemOut]


class RecommendationsOut(BaseModel):
    """Recommendations, best first; `degraded` when they are a popularity fallback."""

    catalog: str
    model_version: str
    items: list[RecommendedItemOut]
    degraded: bool


class CatalogHealthOut(BaseModel):
    """One served catalog's live version and sizes."""

    model_version: str
    items: int
    users: int


class HealthOut(BaseModel):
    """The function is up, with the catalogs it serves."""

    status: Literal["ok"]
    catalogs: dict[str, CatalogHealthOut]


class FieldErrorOut(BaseModel):
    """One invalid field of a request and what is wrong with it."""

    field: str
    message: str


class ErrorOut(BaseModel):
    """Every error answer: a `message` that says what is wrong, and for some, details."""

    message: str
    errors: list[FieldErrorOut] | None = Field(default=None, description="422: each bad field")
    unknown_items: list[str] | None = Field(default=None, description="422: ids not in the catalog")
    known_catalogs: list[str] | None = Field(default=None, description="404: the served catalogs")
