"""The function's image holds every module of the function, compiled, and nothing else of it."""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DOCKERFILE = (REPO / "functions/api/Dockerfile").read_text(encoding="utf-8")
FUNCTION_MODULES = sorted(
    p.relative_to(REPO).as_posix() for p in (REPO / "functions/api").glob("*.py")
)


def build_context_holds(path: str) -> bool:
    """Whether .dockerignore lets `path` into the build context: the last rule matching the
    path or a folder above it decides."""
    held = True
    for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        pattern = line.removeprefix("!").rstrip("/")
        if fnmatch(path, pattern) or path.startswith(f"{pattern}/"):
            held = line.startswith("!")
    return held


def copied_sources() -> list[str]:
    """The build-context sources of the Dockerfile's COPY instructions (not --from stages)."""
    sources: list[str] = []
    for line in DOCKERFILE.splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            sources.extend(w.rstrip("/") for w in words[1:-1])
    return sources


def test_the_function_has_modules_beside_its_entry_point():
    assert "functions/api/app.py" in FUNCTION_MODULES
    assert len(FUNCTION_MODULES) > 1


@pytest.mark.parametrize("module", FUNCTION_MODULES)
def test_every_function_module_reaches_the_image(module):
    assert build_context_holds(module)
    assert any(fnmatch(module, source) for source in copied_sources())


def test_the_image_compiles_every_module_it_copies_from_the_function():
    assert "COPY functions/api/*.py ${LAMBDA_TASK_ROOT}/" in DOCKERFILE
    assert "compileall -q ${LAMBDA_TASK_ROOT}/edgerec ${LAMBDA_TASK_ROOT}/*.py" in DOCKERFILE


def test_tests_training_and_local_code_stay_out_of_the_build_context():
    for path in ["tests/conftest.py", "training/cli.py", "local/gateway.py", "README.md"]:
        assert not build_context_holds(path), path
    assert not build_context_holds("functions/api/__pycache__/app.cpython-313.pyc")
