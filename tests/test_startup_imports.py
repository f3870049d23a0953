"""Start-up stays light: the heavy SDKs load only when a check or writer needs them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("kubernetes", "kubernetes_validate", "aliyunsdkcore", "oss2")

# Builds the app through the CLI's own factory, draws the first screen
# headless, and reports which heavy modules got imported on the way.
PROBE = textwrap.dedent(
    """
    import asyncio, json, sys, types
    import wizard.cli
    from screens.app import create_app
    from wizard.model import Answers

    async def main():
        options = types.SimpleNamespace(offline=OFFLINE, screen=None)
        answers = Answers()
        answers.target.config = sys.argv[1]
        app = create_app(answers, options)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            drawn = type(app.screen).__name__
        return drawn

    drawn = asyncio.run(main())
    heavy = sorted(
        name for name in sys.modules if name.split(".")[0] in json.loads(sys.argv[2])
    )
    print(json.dumps({"drawn": drawn, "heavy": heavy}))
    """
)


def run_probe(tmp_path: Path, offline: bool, extra: str = "") -> dict:
    code = extra + PROBE.replace("OFFLINE", str(offline))
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "config.toml"), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_first_screen_offline_imports_no_heavy_sdk(tmp_path):
    result = run_probe(tmp_path, offline=True)
    assert result["drawn"].endswith("Screen")
    assert result["heavy"] == [], f"imported at start-up: {result['heavy']}"


def test_first_screen_online_imports_no_heavy_sdk(tmp_path):
    result = run_probe(tmp_path, offline=False)
    assert result["heavy"] == [], f"imported at start-up: {result['heavy']}"


def test_the_probe_sees_a_heavy_import(tmp_path):
    """Control: the probe does report an SDK that was imported."""
    result = run_probe(tmp_path, offline=True, extra="import oss2\n")
    assert "oss2" in result["heavy"]


def test_cli_help_imports_neither_textual_nor_heavy_sdks(tmp_path):
    """`--help` and the answers-file path never need the UI or the SDKs up front."""
    code = (
        "import sys, json\n"
        "import wizard.cli\n"
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('textual',) + tuple(json.loads(sys.argv[1])))))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout) == []
