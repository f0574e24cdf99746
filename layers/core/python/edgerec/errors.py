"""Domain errors, raised where a problem is known and mapped to HTTP in the API only."""


class EdgeRecError(Exception):
    """Base of every error this library raises on purpose."""


class BundleError(EdgeRecError):
    """A model bundle is missing, malformed, of an unknown format, or fails its checksums."""


class UnknownCatalogError(EdgeRecError):
    """The catalog asked for has no live bundle."""

    def __init__(self, catalog: str, known: list[str]) -> None:
        self.catalog = catalog
        self.known = known
        names = ", ".join(known) or "none"
        super().__init__(f"unknown catalog {catalog!r}; known catalogs: {names}")


class UnknownItemsError(EdgeRecError):
    """Some input item ids are not in the catalog."""

    def __init__(self, catalog: str, unknown: list[str]) -> None:
        self.catalog = catalog
        self.unknown = unknown
        super().__init__(f"unknown item ids in catalog {catalog!r}: {', '.join(unknown)}")


class StoreUnavailableError(EdgeRecError):
    """S3 or DynamoDB did not answer usefully, after retries."""
