"""Create the stack's bucket and table on a local endpoint, as template.yaml declares them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from local.moto_server import local_client

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"


class _CloudFormationLoader(yaml.SafeLoader):
    """A YAML loader that keeps CloudFormation's short-form tags (!Ref, !Sub ...) as values."""


def _any_tag(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_CloudFormationLoader.add_multi_constructor("!", _any_tag)


def template_section(section: str, template: Path = TEMPLATE) -> dict[str, Any]:
    """One top-level section of the SAM template (`Resources`, `Parameters`, ...)."""
    text = template.read_text(encoding="utf-8")
    # A SafeLoader that also reads CloudFormation tags (!Ref ...), which bandit cannot tell.
    body = yaml.load(text, Loader=_CloudFormationLoader)  # nosec B506
    return dict(body[section])


def template_resources(template: Path = TEMPLATE) -> dict[str, Any]:
    """The `Resources` section of the SAM template."""
    return template_section("Resources", template)


def top_items_table_schema(template: Path = TEMPLATE) -> dict[str, Any]:
    """Key schema and attribute definitions of the template's top-items table."""
    tables = [
        r["Properties"]
        for r in template_resources(template).values()
        if r["Type"] == "AWS::DynamoDB::Table"
    ]
    if len(tables) != 1:
        raise ValueError(f"expected one DynamoDB table in {template.name}, found {len(tables)}")
    return {
        "KeySchema": tables[0]["KeySchema"],
        "AttributeDefinitions": tables[0]["AttributeDefinitions"],
    }


def create_stack_resources(endpoint_url: str | None, bucket: str, table: str) -> None:
    """Create the model bucket and the top-items table at `endpoint_url` if they are missing.

    `None` is boto3's own endpoint: moto's in-process mock in the unit tests, so that they
    too get the template's table rather than a schema of their own.
    """
    s3 = local_client("s3", endpoint_url)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)
    dynamodb = local_client("dynamodb", endpoint_url)
    if table not in dynamodb.list_tables()["TableNames"]:
        dynamodb.create_table(
            TableName=table, BillingMode="PAY_PER_REQUEST", **top_items_table_schema()
        )
        dynamodb.get_waiter("table_exists").wait(TableName=table)
