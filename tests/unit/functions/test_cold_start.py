"""The cold-start bootstrap: the collector is paused only inside the entry point's block, and
importing any other module of the function leaves the process as it was."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import cold_start
from cold_start import collector_paused_for_init
from tests.unit.functions.test_bad_input import fresh_interpreter_env

FUNCTION = Path(__file__).resolve().parents[3] / "functions/api"


@pytest.fixture
def collector(monkeypatch):
    """cold_start's view of the gc module, recording each call instead of making it."""
    calls: list[str] = []
    fake = SimpleNamespace(
        disable=lambda: calls.append("disable"),
        enable=lambda: calls.append("enable"),
        freeze=lambda: calls.append("freeze"),
    )
    monkeypatch.setattr(cold_start, "gc", fake)
    return calls


def test_the_collector_is_paused_inside_the_block_then_frozen_and_resumed(collector):
    with collector_paused_for_init():
        inside = list(collector)

    assert inside == ["disable"]
    assert collector == ["disable", "freeze", "enable"]


def test_the_collector_resumes_when_the_block_fails(collector):
    with pytest.raises(ImportError), collector_paused_for_init():
        raise ImportError("a module the entry point needs is missing")

    assert collector == ["disable", "freeze", "enable"]


def test_only_the_entry_point_changes_the_collector():
    modules = sorted(p.stem for p in FUNCTION.glob("*.py") if p.stem != "app")
    script = (
        "import gc, importlib, json, sys\n"
        "seen = {}\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module(name)\n"
        "    seen[name] = [gc.isenabled(), gc.get_freeze_count()]\n"
        "print(json.dumps(seen))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *modules, "app"],
        capture_output=True,
        text=True,
        env={**fresh_interpreter_env(), "POWERTOOLS_LOG_LEVEL": "ERROR"},
        check=True,
        timeout=120,
    )
    seen = json.loads(done.stdout.splitlines()[-1])

    assert "routes" in seen
    assert all(state == [True, 0] for name, state in seen.items() if name != "app"), seen
    enabled, frozen = seen["app"]
    assert enabled
    assert frozen > 0  # the entry point's choice: what its INIT made is frozen


@pytest.mark.parametrize(("choice", "wide_kernels_on"), [("compact", False), ("native", True)])
def test_the_entry_point_applies_the_kernel_setting_and_no_other_module_does(
    choice, wide_kernels_on
):
    script = (
        "import json, numkong\n"
        "native = numkong.get_capabilities()\n"
        "import routes, edgerec.compact_index, edgerec.user_index\n"
        "untouched = numkong.get_capabilities() == native\n"
        "import app\n"
        "wide = [k for k in ('skylake', 'icelake', 'genoa', 'turin') if native.get(k)]\n"
        "now = numkong.get_capabilities()\n"
        "print(json.dumps([untouched, wide, [now[k] for k in wide]]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**fresh_interpreter_env(), "POWERTOOLS_LOG_LEVEL": "ERROR", "NUMKONG_KERNELS": choice},
        check=True,
        timeout=120,
    )
    untouched, wide, after_app = json.loads(done.stdout.splitlines()[-1])

    assert untouched
    if not wide:
        pytest.skip("this CPU has no AVX-512 kernels for the setting to turn off")
    assert after_app == [wide_kernels_on] * len(wide)
