"""The import roots: one list for pytest, mypy, the venv's .pth file and child processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from local.import_roots import IMPORT_ROOTS, REPO, python_path, write_pth_file

# Each package, and the root it must be found under (the function image's layout).
PACKAGES = {
    "edgerec": "layers/core/python",
    "app": "functions/api",
    "training": ".",
    "local": ".",
}


def test_the_roots_are_the_ones_pytest_and_mypy_read_from_pyproject():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    pytest_roots = pyproject["tool"]["pytest"]["ini_options"]["pythonpath"]
    mypy_roots = pyproject["tool"]["mypy"]["mypy_path"]

    assert [(REPO / r).resolve() for r in pytest_roots] == list(IMPORT_ROOTS)
    assert [(REPO / r).resolve() for r in mypy_roots] == list(IMPORT_ROOTS)


def test_a_childs_python_path_lists_the_same_roots_in_the_same_order():
    assert python_path().split(os.pathsep) == [str(r) for r in IMPORT_ROOTS]


def test_an_interpreter_with_the_pth_file_finds_each_package_from_another_folder(tmp_path):
    site_packages = tmp_path / "site-packages"
    site_packages.mkdir()
    pth = write_pth_file(site_packages)
    # -I -S: no PYTHONPATH, no current folder and no site-packages, so only the .pth can help.
    script = (
        "import json, site, sys\n"
        "from importlib.util import find_spec\n"
        f"names = {sorted(PACKAGES)!r}\n"
        "before = [n for n in names if find_spec(n) is not None]\n"
        "site.addsitedir(sys.argv[1])\n"
        "print(json.dumps({'before': before, 'after': {n: find_spec(n).origin for n in names}}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script, str(site_packages)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(done.stdout)

    assert pth.name.endswith(".pth")
    assert found["before"] == []
    for name, root in PACKAGES.items():
        assert Path(found["after"][name]).is_relative_to((REPO / root).resolve()), name
