"""Shared fixtures: where shared/ and the examples are, and a private log file."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import stat
from pathlib import Path

import pytest
from sharedpath import SHARED

ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    # Half the suite reads the team's cases and fixtures: stop at once with
    # the fix rather than report hundreds of unrelated-looking errors.
    if not (SHARED / "reference").is_dir():
        pytest.exit(
            f"the tests read the team's reference folder, expected at {SHARED}; "
            "clone the project beside shared/ or set ASK_RUNNER_WIZARD_SHARED "
            "to its path",
            returncode=4,
        )


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only reference folder beside the repository."""
    assert SHARED.is_dir(), f"expected the shared reference folder at {SHARED}"
    return SHARED


@pytest.fixture(scope="session")
def fixtures_dir(shared_dir: Path) -> Path:
    return shared_dir / "reference" / "fixtures"


@pytest.fixture(scope="session")
def cases_dir(shared_dir: Path) -> Path:
    return shared_dir / "cases"


@pytest.fixture(scope="session")
def key_table_path(shared_dir: Path) -> Path:
    return shared_dir / "reference" / "gitlab-runner-config-keys.tsv"


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return ROOT / "examples"


@pytest.fixture(autouse=True)
def private_log(tmp_path_factory, monkeypatch) -> Path:
    """Every test logs into its own temporary file, never into the real home."""
    path = tmp_path_factory.mktemp("log") / "wizard.log"
    monkeypatch.setenv("ASK_RUNNER_WIZARD_LOG", str(path))
    yield path
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_wizard_log", False)]:
        root.removeHandler(handler)
        handler.close()


@pytest.fixture
def workdir(tmp_path: Path, fixtures_dir: Path):
    """A folder holding a copy of a fixture as config.toml; returns a factory."""

    def make(fixture: str = "config-registered.toml") -> Path:
        target = tmp_path / "etc" / "config.toml"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(fixtures_dir / fixture, target)
        return target

    return make


@pytest.fixture
def snapshot():
    """`snapshot(root)`: every file's hash and mode, to prove nothing was written."""
    return tree_snapshot


def tree_snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every file below `root`: its hash and mode, to prove nothing was written."""
    snap = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            data = path.read_bytes()
            snap[str(path.relative_to(root))] = (
                hashlib.sha256(data).hexdigest(),
                stat.S_IMODE(path.stat().st_mode),
            )
    return snap


@pytest.fixture
def answers_file(tmp_path: Path, examples_dir: Path, fixtures_dir: Path):
    """Writes the example answers, changed as asked, beside a config.toml copy.

    Returns a factory `make(changes, drop=())` giving the answers path; the
    config is at tmp/etc/config.toml, artifacts go to tmp/out, daemon.json to
    tmp/docker/daemon.json. `changes` maps "section.key" to a new value.
    """
    import tomlkit

    etc = tmp_path / "etc"
    etc.mkdir(exist_ok=True)
    shutil.copy(fixtures_dir / "config-registered.toml", etc / "config.toml")
    (tmp_path / "docker").mkdir(exist_ok=True)
    (tmp_path / "docker" / "daemon.json").write_text('{"debug": true}\n')
    shutil.copy(
        examples_dir / "writeup.kubeconfig.yaml", tmp_path / "writeup.kubeconfig.yaml"
    )

    def make(changes: dict | None = None, drop=(), name: str = "answers.toml") -> Path:
        doc = tomlkit.parse((examples_dir / "writeup.answers.toml").read_text())
        doc["target"]["config"] = str(etc / "config.toml")
        doc["target"]["out_dir"] = str(tmp_path / "out")
        doc["images"]["daemon_json"] = str(tmp_path / "docker" / "daemon.json")
        for dotted, value in (changes or {}).items():
            section, key = dotted.split(".", 1)
            if section not in doc:
                doc[section] = tomlkit.table()
            doc[section][key] = value
        for dotted in drop:
            section, key = dotted.split(".", 1)
            del doc[section][key]
        path = tmp_path / name
        path.write_text(tomlkit.dumps(doc))
        return path

    return make
