"""The wizard filled by keyboard writes the same bytes as the answers-file run."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

from screens.app import create_app
from screens.done import DoneScreen
from screens.testing import fill_step
from wizard.answers import load_answers
from wizard.cli import main
from wizard.model import STEPS, Answers
from wizard.options import Options
from wizard.write.files import backups_of


def artifacts(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `root` but the timestamped backups: bytes and mode."""
    backups = set()
    for path in root.rglob("*"):
        if path.is_file():
            backups.update(backups_of(path))
    return {
        str(path.relative_to(root)): (
            path.read_bytes(),
            stat.S_IMODE(path.stat().st_mode),
        )
        for path in sorted(root.rglob("*"))
        if path.is_file() and path not in backups
    }


def reset(tmp_path: Path, originals: dict[Path, bytes]) -> None:
    """Back to the state before the first run: fixture config, daemon.json, no output."""
    shutil.rmtree(tmp_path / "out", ignore_errors=True)
    for path, data in originals.items():
        for backup in backups_of(path):
            backup.unlink()
        path.write_bytes(data)


async def test_keyboard_walk_writes_the_answers_file_bytes(
    answers_file, tmp_path, monkeypatch
):
    """Every screen filled by keyboard at 80x24, offline: byte-identical artifacts."""
    # The default config.toml must not be this machine's: the walk starts clean.
    monkeypatch.setenv("CONFIG_FILE", str(tmp_path / "no-such" / "config.toml"))
    path = answers_file()
    expected = load_answers(path)
    config = Path(expected.target.config)
    daemon = Path(expected.images.daemon_json)
    originals = {config: config.read_bytes(), daemon: daemon.read_bytes()}

    code = main(
        ["--answers", str(path), "--yes", "--offline", "--config", str(config)]
        + ["--out", expected.target.out_dir]
    )
    assert code == 0
    from_file = artifacts(tmp_path / "etc") | artifacts(tmp_path / "out")
    from_file |= artifacts(tmp_path / "docker")
    assert any(name.endswith("oss-cache.yaml") for name in from_file)
    assert "config.toml" in from_file

    reset(tmp_path, originals)
    app = create_app(Answers(), Options(offline=True))
    async with app.run_test(size=(80, 24)) as pilot:
        for step in STEPS[:-1]:
            await pilot.pause()
            assert step == app.screen.STEP
            await fill_step(pilot, expected)
            problems = [p for p in app.screen.problems if p.level == "error"]
            assert problems == [], f"{step}: {problems}"
            await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen.STEP == "review"
        summary = str(app.screen.query_one("#plan-summary").content)
        assert "oss-cache.yaml" in summary and "0600" in summary
        await pilot.press("ctrl+n")
        for _ in range(50):
            if isinstance(app.screen, DoneScreen):
                break
            await pilot.pause(0.05)
        assert isinstance(app.screen, DoneScreen)
        done = str(app.screen.query_one("#result").content)
        assert "kubectl apply -f" in done

    from_ui = artifacts(tmp_path / "etc") | artifacts(tmp_path / "out")
    from_ui |= artifacts(tmp_path / "docker")
    assert sorted(from_ui) == sorted(from_file)
    for name in from_file:
        assert from_ui[name] == from_file[name], f"{name} differs"
