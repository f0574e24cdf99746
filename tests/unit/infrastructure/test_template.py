"""template.yaml keeps the HTTP contract, least privilege and the settings the code reads."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from edgerec import settings
from local.resources import TEMPLATE, template_resources, top_items_table_schema

REPO = Path(__file__).resolve().parents[3]


def _function() -> dict[str, Any]:
    return dict(template_resources()["ApiFunction"]["Properties"])


def _statements() -> list[dict[str, Any]]:
    return [s for policy in _function()["Policies"] for s in policy["Statement"]]


def test_the_api_exposes_exactly_the_page_and_the_three_routes_of_the_contract():
    routes = {
        (e["Properties"]["Method"], e["Properties"]["Path"]) for e in _function()["Events"].values()
    }

    assert routes == {
        ("get", "/"),
        ("get", "/health"),
        ("get", "/catalogs/{catalog}/items"),
        ("post", "/catalogs/{catalog}/recommendations"),
    }


def test_the_function_is_a_python_3_13_image_whose_base_is_a_template_parameter():
    function = template_resources()["ApiFunction"]
    dockerfile = (REPO / function["Metadata"]["Dockerfile"]).read_text(encoding="utf-8")

    assert function["Properties"]["PackageType"] == "Image"
    assert function["Metadata"]["DockerBuildArgs"]["BASE_IMAGE"] == "BaseImage"
    assert dockerfile.startswith("ARG BASE_IMAGE=public.ecr.aws/lambda/python:3.13") or (
        "\nARG BASE_IMAGE=public.ecr.aws/lambda/python:3.13\n" in dockerfile
    )
    assert "FROM ${BASE_IMAGE}" in dockerfile
    assert "--no-index" in dockerfile  # installs from the wheelhouse, so it builds offline


def test_the_function_may_only_read_and_only_its_own_resources():
    statements = _statements()
    actions = {
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }

    assert all(s["Effect"] == "Allow" for s in statements)
    assert actions == {"s3:GetObject", "s3:ListBucket", "dynamodb:BatchGetItem"}
    assert not any("*" in a for a in actions)
    for statement in statements:
        resources = statement["Resource"]
        for resource in resources if isinstance(resources, list) else [resources]:
            assert resource != "*"


def test_every_variable_the_function_reads_is_declared_in_the_template():
    declared = set(_function()["Environment"]["Variables"])
    source = Path(settings.__file__).read_text(encoding="utf-8")
    read = set(re.findall(r'"([A-Z][A-Z0-9]*_[A-Z0-9_]+|NEIGHBOURS)"', source))

    assert {"MODEL_BUCKET", "TOP_ITEMS_TABLE", "NEIGHBOURS"} <= read
    assert read <= declared


def test_the_bucket_is_encrypted_and_not_public_and_the_table_on_demand():
    resources = template_resources()
    bucket = resources["ModelBucket"]["Properties"]
    table = resources["TopItemsTable"]["Properties"]

    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert table["BillingMode"] == "PAY_PER_REQUEST"


def test_the_local_table_has_the_key_that_publishing_and_serving_use():
    schema = top_items_table_schema(TEMPLATE)

    assert schema["KeySchema"] == [{"AttributeName": "user_key", "KeyType": "HASH"}]
