"""template.yaml keeps the HTTP contract, least privilege and the settings the code reads."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from edgerec import settings
from edgerec.compact_index import KERNEL_CHOICES
from edgerec.settings import numkong_kernels
from edgerec.strategies import DEFAULT_STRATEGY, STRATEGIES
from local.resources import TEMPLATE, template_resources, template_section, top_items_table_schema

REPO = Path(__file__).resolve().parents[3]


def _function() -> dict[str, Any]:
    return dict(template_resources()["ApiFunction"]["Properties"])


def _statements() -> list[dict[str, Any]]:
    return [s for policy in _function()["Policies"] for s in policy["Statement"]]


def test_the_api_exposes_exactly_the_page_the_document_and_the_three_routes_of_the_contract():
    routes = {
        (e["Properties"]["Method"], e["Properties"]["Path"]) for e in _function()["Events"].values()
    }

    assert routes == {
        ("get", "/"),
        ("get", "/openapi.json"),
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
    read = set(re.findall(r'"([A-Z][A-Z0-9]*_[A-Z0-9_]+|NEIGHBOURS|STRATEGY)"', source))

    assert {"MODEL_BUCKET", "TOP_ITEMS_TABLE", "NEIGHBOURS", "STRATEGY"} <= read
    assert read <= declared


def test_the_strategy_parameter_offers_every_strategy_of_the_library_and_its_default():
    parameter = template_section("Parameters")["RecommendationStrategy"]

    assert _function()["Environment"]["Variables"]["STRATEGY"] == "RecommendationStrategy"
    assert sorted(parameter["AllowedValues"]) == sorted(STRATEGIES)
    assert parameter["Default"] == DEFAULT_STRATEGY


def test_the_kernel_parameter_offers_the_librarys_kernel_choices_and_its_default():
    parameter = template_section("Parameters")["IndexKernels"]

    assert _function()["Environment"]["Variables"]["NUMKONG_KERNELS"] == "IndexKernels"
    assert sorted(parameter["AllowedValues"]) == sorted(KERNEL_CHOICES)
    assert parameter["Default"] == numkong_kernels({})


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


def calls_create_table(path: Path) -> bool:
    """Whether a Python file calls some client's `create_table`."""
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "create_table"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
    )


def test_every_table_the_tests_and_the_local_stack_create_is_made_from_the_template():
    code = [p for folder in ("tests", "local", "benchmarks") for p in (REPO / folder).rglob("*.py")]
    creators = {p.relative_to(REPO).as_posix() for p in code if calls_create_table(p)}

    # The one place, which reads the table's schema from template.yaml.
    assert creators == {"local/resources.py"}


def test_the_allowed_cors_origin_is_one_parameter_for_the_api_its_errors_and_the_function():
    api = template_resources()["RecommenderApi"]["Properties"]
    origin = template_section("Parameters")["CorsAllowedOrigin"]

    assert _function()["Environment"]["Variables"]["CORS_ALLOWED_ORIGIN"] == "CorsAllowedOrigin"
    assert api["Cors"]["AllowOrigin"] == "'${CorsAllowedOrigin}'"
    for response in api["GatewayResponses"].values():
        headers = response["ResponseParameters"]["Headers"]
        assert headers["Access-Control-Allow-Origin"] == "'${CorsAllowedOrigin}'"
    assert origin["Default"] == "*"
    for allowed in ["*", "https://shop.example", "http://localhost:3000"]:
        assert re.fullmatch(origin["AllowedPattern"], allowed)
    for refused in ["'*'", "https://a.example, https://b.example", "javascript:alert(1)", ""]:
        assert not re.fullmatch(origin["AllowedPattern"], refused)


def test_every_route_of_the_stage_is_throttled_by_parameters():
    api = template_resources()["RecommenderApi"]["Properties"]
    parameters = template_section("Parameters")

    assert api["MethodSettings"] == [
        {
            "ResourcePath": "/*",
            "HttpMethod": "*",
            "ThrottlingRateLimit": "ApiRateLimit",
            "ThrottlingBurstLimit": "ApiBurstLimit",
        }
    ]
    assert parameters["ApiRateLimit"]["Type"] == parameters["ApiBurstLimit"]["Type"] == "Number"


def test_every_check_checkov_skips_says_why():
    skips = [
        skip
        for resource in template_resources().values()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    dockerfile = (REPO / "functions/api/Dockerfile").read_text(encoding="utf-8")
    docker_skips = re.findall(r"checkov:skip=(CKV_\w+):(.*)", dockerfile)

    assert skips
    assert all(re.fullmatch(r"CKV_AWS_\d+", s["id"]) and len(s["comment"]) > 40 for s in skips)
    assert docker_skips
    assert all(len(reason.strip()) > 20 for _, reason in docker_skips)
