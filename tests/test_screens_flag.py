"""--screen NAME in the UI: change one field there, and exactly the expected files change.

Each case first writes the write-up's setup with the answers file, then opens
one screen with the values read back from disk (as `--screen` does), changes
one field by keyboard and writes from the review. The result must be the
bytes the answers-file run gives for the same change, in the same files.
"""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from screens.app import create_app
from screens.done import DoneScreen
from screens.testing import choose, toggle_to, type_into
from wizard.cli import load_existing_answers, main
from wizard.options import Options
from wizard.write.files import backups_of


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `root` but backups and the answers files: bytes and mode."""
    backups = {b for p in root.rglob("*") if p.is_file() for b in backups_of(p)}
    return {
        str(p.relative_to(root)): (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
        for p in sorted(root.rglob("*"))
        if p.is_file() and p not in backups and not p.name.startswith("answers")
    }


def restore(root: Path, snap: dict[str, tuple[bytes, int]]) -> None:
    """Put `root` back to `snap` exactly: same files, bytes and modes."""
    for path in sorted(root.rglob("*"), reverse=True):
        rel = str(path.relative_to(root))
        if path.is_file() and rel not in snap and not path.name.startswith("answers"):
            path.unlink()
    for rel, (data, mode) in snap.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(mode)


async def set_spot_cap(pilot):
    await choose(pilot, "f-spot-strategy", "cap")
    await type_into(pilot, "f-spot-price-limit", "0.5")


async def set_cpu(pilot):
    await type_into(pilot, "f-resources-cpu-request", "3")


async def set_no_service_host(pilot):
    await toggle_to(pilot, "f-networking-service-host-env", False)


async def set_capacity(pilot):
    await type_into(pilot, "f-cache-capacity", "100Gi")


async def set_tags(pilot):
    await type_into(pilot, "f-registration-tags", "docker, k8s, java")


async def set_mirror(pilot):
    await type_into(pilot, "f-images-mirror", "https://efgh5678.mirror.aliyuncs.com")


async def set_namespace(pilot):
    await type_into(pilot, "f-cluster-namespace", "gitlab-ci")


# step, keyboard change, the same change as answers, files that must change
CASES = [
    (
        "spot",
        set_spot_cap,
        {"spot.strategy": "cap", "spot.price_limit": "0.5"},
        {"etc/config.toml", "out/gitlab-k8s/wizard-state.toml"},
    ),
    ("resources", set_cpu, {"resources.cpu_request": "3"}, {"etc/config.toml"}),
    (
        "networking",
        set_no_service_host,
        {"networking.service_host_env": False},
        {"etc/config.toml"},
    ),
    (
        "cache",
        set_capacity,
        {"cache.capacity": "100Gi"},
        {"out/gitlab-k8s/oss-cache.yaml"},
    ),
    (
        "registration",
        set_tags,
        {"registration.tags": ["docker", "k8s", "java"]},
        # The CI example's job carries the runner's tags.
        {"out/gitlab-k8s/wizard-state.toml", "out/gitlab-k8s/gitlab-ci.example.yml"},
    ),
    (
        "images",
        set_mirror,
        {"images.mirror": "https://efgh5678.mirror.aliyuncs.com"},
        {"docker/daemon.json", "out/gitlab-k8s/wizard-state.toml"},
    ),
    (
        "cluster",
        set_namespace,
        {"cluster.namespace": "gitlab-ci"},
        {"etc/config.toml", "out/gitlab-k8s/oss-cache.yaml"},
    ),
]


@pytest.mark.parametrize(
    ("step", "change", "as_answers", "changed"), CASES, ids=[c[0] for c in CASES]
)
async def test_one_screen_changes_only_its_lines(
    answers_file, tmp_path, step, change, as_answers, changed
):
    """Change one field on one screen: the answers-file run's bytes, in the expected files."""
    path = answers_file()
    assert main(["--answers", str(path), "--yes", "--offline"]) == 0
    first = snapshot(tmp_path)

    assert (
        main(
            ["--answers", str(answers_file(as_answers, name="answers2.toml"))]
            + ["--yes", "--offline"]
        )
        == 0
    )
    expected = snapshot(tmp_path)
    assert {n for n in expected if expected[n] != first.get(n)} == changed
    restore(tmp_path, first)

    await open_and_write(tmp_path, step, change)

    result = snapshot(tmp_path)
    assert {n for n in result if result[n] != first.get(n)} == changed
    for name in changed:
        assert result[name] == expected[name], f"{name} differs from the answers run"
    shutil.rmtree(tmp_path / "out", ignore_errors=True)


def mtimes(root: Path) -> dict[str, int]:
    """Every file under `root` with its modification time in nanoseconds."""
    return {
        str(p.relative_to(root)): p.stat().st_mtime_ns
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


async def open_and_write(tmp_path: Path, step: str, change) -> None:
    """Open `step` as `--screen` does, make `change` by keyboard, write from the review."""
    options = Options(
        offline=True,
        screen=step,
        config=str(tmp_path / "etc" / "config.toml"),
        out_dir=str(tmp_path / "out"),
    )
    answers, code = load_existing_answers(options)
    assert code == 0
    answers.images.daemon_json = str(tmp_path / "docker" / "daemon.json")
    app = create_app(answers, options)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert step == app.screen.STEP
        if change is not None:
            await change(pilot)
            assert not app.screen.has_errors, app.screen.problems
            await pilot.press("ctrl+g", "end", "enter")
            await pilot.pause()
        await pilot.press("ctrl+n")
        for _ in range(100):
            if isinstance(app.screen, DoneScreen):
                break
            await pilot.pause(0.05)
        assert isinstance(app.screen, DoneScreen), app.screen.query_one(
            "#plan-summary"
        ).content


async def test_target_screen_moves_the_output_folder(answers_file, tmp_path):
    """--screen target, a new output folder: the answers run's files, nothing else."""
    assert main(["--answers", str(answers_file()), "--yes", "--offline"]) == 0
    first = snapshot(tmp_path)
    out2 = str(tmp_path / "out2")
    as_answers = answers_file({"target.out_dir": out2}, name="answers2.toml")
    assert main(["--answers", str(as_answers), "--yes", "--offline"]) == 0
    expected = snapshot(tmp_path)
    changed = {n for n in expected if expected[n] != first.get(n)}
    # The files move to the new folder; config.toml follows the files it names.
    assert changed and all(
        n.startswith("out2/") or n == "etc/config.toml" for n in changed
    )
    assert "etc/config.toml" in changed
    restore(tmp_path, first)

    async def set_out_dir(pilot):
        await type_into(pilot, "f-target-out-dir", out2)

    await open_and_write(tmp_path, "target", set_out_dir)

    result = snapshot(tmp_path)
    assert {n for n in result if result[n] != first.get(n)} == changed
    for name in changed:
        assert result[name] == expected[name], f"{name} differs from the answers run"


async def test_review_with_no_change_touches_no_file(answers_file, tmp_path):
    """--screen review on a set-up host, written with no change: every mtime kept."""
    assert main(["--answers", str(answers_file()), "--yes", "--offline"]) == 0
    before = mtimes(tmp_path)
    first = snapshot(tmp_path)

    await open_and_write(tmp_path, "review", None)

    assert mtimes(tmp_path) == before
    assert snapshot(tmp_path) == first
