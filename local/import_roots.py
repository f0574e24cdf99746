"""Where the function image finds its code, so that local runs import it the same way.

`python -m local.import_roots` lists the roots in a `.pth` file in the running interpreter's
site-packages, as an editable install does; `make venv` runs it, so `.venv/bin/python`
imports `edgerec`, `app`, `training` and `local` from any folder, as pytest does through
pyproject's `pythonpath`. Child processes get the same roots in PYTHONPATH (`python_path`).
"""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The layer's library (edgerec), the function (app), and the repository root (training, local).
IMPORT_ROOTS = (REPO / "layers" / "core" / "python", REPO / "functions" / "api", REPO)
PTH_FILE = "edge_recommender.pth"


def python_path() -> str:
    """PYTHONPATH for a child process that runs training, the gateway or the handler."""
    return os.pathsep.join(str(root) for root in IMPORT_ROOTS)


def write_pth_file(site_packages: Path) -> Path:
    """Write the import roots, one a line, as a `.pth` file in `site_packages`; its path."""
    path = site_packages / PTH_FILE
    path.write_text("".join(f"{root}\n" for root in IMPORT_ROOTS), encoding="utf-8")
    return path


def main() -> None:
    """Put the import roots in this interpreter's site-packages (a virtualenv's, in `make`)."""
    print(f"import roots: {write_pth_file(Path(sysconfig.get_path('purelib')))}")


if __name__ == "__main__":
    main()
