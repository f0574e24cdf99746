"""The layout is the architecture: these tests keep each part importing only what it may."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
LIBRARY = REPO / "layers/core/python/edgerec"
FUNCTIONS = REPO / "functions"
TRAINING = REPO / "training"


def imported_roots(path: Path) -> set[str]:
    """Top-level names of every module a file imports (absolute imports only)."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "wheelhouse" not in p.parts)


def test_the_project_has_the_parts_these_rules_guard():
    assert python_files(LIBRARY)
    assert python_files(FUNCTIONS)
    assert python_files(TRAINING)


@pytest.mark.parametrize("path", python_files(LIBRARY), ids=lambda p: p.name)
def test_the_serving_library_imports_no_tensorflow_training_or_function(path: Path):
    forbidden = {"tensorflow", "tensorflow_recommenders", "tf_keras", "training", "app", "local"}

    assert not imported_roots(path) & forbidden


@pytest.mark.parametrize("path", python_files(LIBRARY), ids=lambda p: p.name)
def test_only_the_stores_talk_to_aws(path: Path):
    if "stores" in path.relative_to(LIBRARY).parts:
        return

    assert not imported_roots(path) & {"boto3", "botocore"}


@pytest.mark.parametrize("path", python_files(FUNCTIONS), ids=lambda p: p.name)
def test_functions_reach_aws_and_models_only_through_the_library(path: Path):
    forbidden = {"tensorflow", "tensorflow_recommenders", "tf_keras", "training", "local", "boto3"}

    assert not imported_roots(path) & forbidden


@pytest.mark.parametrize("path", python_files(TRAINING), ids=lambda p: p.name)
def test_training_never_imports_a_function(path: Path):
    assert not imported_roots(path) & {"app", "local"}


def imported_library_modules(path: Path) -> set[str]:
    """The `edgerec` modules a file imports, as dotted names below `edgerec`."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("edgerec."):
                modules.add(node.module.removeprefix("edgerec."))
        elif isinstance(node, ast.Import):
            modules.update(
                a.name.removeprefix("edgerec.") for a in node.names if a.name.startswith("edgerec.")
            )
    return modules


# What data access may lean on: the contract, settings and errors, never the use case above it.
STORE_MAY_IMPORT = {"bundle", "top_items", "settings", "errors"}


@pytest.mark.parametrize(
    "path", python_files(LIBRARY / "stores"), ids=lambda p: p.relative_to(LIBRARY).as_posix()
)
def test_stores_import_only_the_contract_settings_errors_and_each_other(path: Path):
    imported = imported_library_modules(path)

    assert {m for m in imported if not m.startswith("stores")} <= STORE_MAY_IMPORT


@pytest.mark.parametrize("contract", ["bundle", "top_items", "errors", "settings"])
def test_the_contract_imports_nothing_above_it(contract: str):
    imported = imported_library_modules(LIBRARY / f"{contract}.py")

    assert imported <= {"bundle", "top_items", "errors"}
