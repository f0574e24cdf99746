"""No credentials or AWS account ids in the repository's files."""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
# Local environments, build output and data: never committed (.gitignore).
SKIPPED = {".git", ".venv", ".venv-sam", ".venv-checks", ".aws-sam", ".demo", "wheelhouse",
           "test-artifacts", ".hypothesis", ".mypy_cache", ".ruff_cache", ".pytest_cache",
           "__pycache__", ".sam-local"}  # fmt: skip
TEXT = {".py", ".yaml", ".yml", ".toml", ".json", ".md", ".txt", ".cfg", ".sh", ".html", ""}
EXAMPLE_ACCOUNT = "123456789012"  # AWS's documented example account id

SECRETS = {
    "an AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "a private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "an AWS secret key": re.compile(r"(?i)aws_secret_access_key\s*[=:]\s*['\"]?[A-Za-z0-9/+]{40}"),
}
ACCOUNT_ID = re.compile(r"(?:arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:|account[_-]?id\W{1,4})(\d{12})")


def repository_files() -> list[Path]:
    files = []
    for folder, subfolders, names in os.walk(REPO):
        subfolders[:] = [d for d in subfolders if d not in SKIPPED]
        for name in names:
            path = Path(folder) / name
            if path.suffix in TEXT and path.stat().st_size < 2_000_000:
                files.append(path)
    return files


def test_no_file_holds_a_credential():
    found = [
        f"{path.relative_to(REPO)}: {name}"
        for path in repository_files()
        for name, pattern in SECRETS.items()
        if pattern.search(path.read_text(encoding="utf-8", errors="replace"))
    ]

    assert found == []


def test_no_file_names_an_aws_account_but_the_documented_example():
    found = [
        f"{path.relative_to(REPO)}: {account}"
        for path in repository_files()
        for account in ACCOUNT_ID.findall(path.read_text(encoding="utf-8", errors="replace"))
        if account != EXAMPLE_ACCOUNT
    ]

    assert found == []
    assert any(  # the scan does see the ARNs that are there
        EXAMPLE_ACCOUNT in path.read_text(encoding="utf-8") for path in repository_files()
    )
