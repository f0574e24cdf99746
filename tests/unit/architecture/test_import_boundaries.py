"""The layout is the architecture: these tests keep each part importing only what it may."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
LIBRARY = REPO / "layers/core/python/edgerec"
FUNCTIONS = REPO / "functions"
TRAINING = REPO / "training"
# Everything that runs from this repository, tests included.
CODE = [LIBRARY, FUNCTIONS, TRAINING, REPO / "local", REPO / "benchmarks", REPO / "tests"]


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


def requirement_roots(folder: Path) -> set[str]:
    """Import names of the packages a function's requirements.txt installs in its image."""
    lines = (folder / "requirements.txt").read_text(encoding="utf-8").splitlines()
    names = (re.split(r"[\s=<>~!;\[]", line.strip(), maxsplit=1)[0] for line in lines)
    return {name.lower().replace("-", "_") for name in names if name and name[0] != "#"}


# Every module of every function: imported by top-level name, as the image lays them out.
FUNCTION_MODULES = {p.stem for p in python_files(FUNCTIONS)}


def test_the_project_has_the_parts_these_rules_guard():
    assert python_files(LIBRARY)
    assert python_files(FUNCTIONS)
    assert python_files(TRAINING)
    assert {"app", "routes", "http_errors", "cold_start"} <= FUNCTION_MODULES
    assert {"aws_lambda_powertools", "pydantic"} <= requirement_roots(FUNCTIONS / "api")


@pytest.mark.parametrize("path", python_files(LIBRARY), ids=lambda p: p.name)
def test_the_serving_library_imports_no_tensorflow_training_or_function(path: Path):
    forbidden = {"tensorflow", "tensorflow_recommenders", "tf_keras", "training", "local"}

    assert not imported_roots(path) & (forbidden | FUNCTION_MODULES)


@pytest.mark.parametrize("path", python_files(LIBRARY), ids=lambda p: p.name)
def test_only_the_stores_talk_to_aws(path: Path):
    if "stores" in path.relative_to(LIBRARY).parts:
        return

    assert not imported_roots(path) & {"boto3", "botocore"}


@pytest.mark.parametrize("path", python_files(FUNCTIONS), ids=lambda p: p.name)
def test_functions_reach_aws_and_models_only_through_the_library(path: Path):
    forbidden = {"tensorflow", "tensorflow_recommenders", "tf_keras", "training", "local", "boto3"}

    assert not imported_roots(path) & forbidden


@pytest.mark.parametrize("path", python_files(FUNCTIONS), ids=lambda p: p.name)
def test_a_function_imports_only_the_library_its_own_modules_and_its_requirements(path: Path):
    own_modules = {p.stem for p in path.parent.glob("*.py")}
    allowed = set(sys.stdlib_module_names) | {"edgerec"} | own_modules
    allowed |= requirement_roots(path.parent)

    assert imported_roots(path) <= allowed


@pytest.mark.parametrize("path", python_files(FUNCTIONS), ids=lambda p: p.name)
def test_no_module_of_a_function_imports_its_entry_point(path: Path):
    # app.py builds the API from the other modules: one of them importing it would be a cycle.
    assert "app" not in imported_roots(path)


def test_the_cold_start_bootstrap_imports_only_the_standard_library():
    assert imported_roots(FUNCTIONS / "api/cold_start.py") <= set(sys.stdlib_module_names)


@pytest.mark.parametrize("path", python_files(TRAINING), ids=lambda p: p.name)
def test_training_never_imports_a_function(path: Path):
    assert not imported_roots(path) & (FUNCTION_MODULES | {"local"})


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


def is_sys_path(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "path"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    )


def edits_sys_path(path: Path) -> bool:
    """Whether a file changes `sys.path`: calls one of its methods, or assigns to it."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Attribute) and is_sys_path(node.value):
            return True  # sys.path.insert(...), .append, .extend, .remove ...
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AugAssign):
            targets = [node.target]
        for target in targets:
            if is_sys_path(target) or (
                isinstance(target, ast.Subscript) and is_sys_path(target.value)
            ):
                return True
    return False


@pytest.mark.parametrize(
    "path",
    [p for folder in CODE for p in python_files(folder)],
    ids=lambda p: p.relative_to(REPO).as_posix(),
)
def test_no_code_edits_sys_path_the_import_roots_come_from_the_environment(path: Path):
    # pyproject's pythonpath for pytest, the venv's .pth (make venv), PYTHONPATH for children.
    assert not edits_sys_path(path)
