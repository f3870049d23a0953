"""A target changes on disk between load and write: noticed, shown, merged again."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from sharedpath import FIXTURES

from wizard.answers import load_answers
from wizard.problems import InvalidAnswers
from wizard.readback import read_existing
from wizard.write.files import (
    ConcurrentChangeError,
    detect_disk_changes,
    write_artifacts,
)
from wizard.write.plan import build_plan, write_plan

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "writeup.answers.toml"


def set_up_host(tmp_path: Path):
    config = tmp_path / "config.toml"
    shutil.copy(FIXTURES / "config-registered.toml", config)
    daemon = tmp_path / "daemon.json"
    daemon.write_text('{\n  "log-driver": "json-file"\n}\n')
    answers = load_answers(EXAMPLE)
    answers.images.daemon_json = str(daemon)
    write_plan(build_plan(answers, config_path=config, out_dir=tmp_path / "out"))
    return config, daemon, tmp_path / "out"


def tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def edit_by_hand(config: Path, daemon: Path) -> None:
    """What an operator (or gitlab-runner itself) does meanwhile."""
    text = config.read_text().replace("concurrent = 1", "concurrent = 6  # by hand")
    config.write_text(
        text + '[[runners]]\n  name = "added-by-hand"\n  executor = "shell"\n'
    )
    daemon.write_text('{\n  "log-driver": "json-file",\n  "debug": true\n}\n')


def test_change_between_review_and_write_is_merged_again(tmp_path):
    config, daemon, out = set_up_host(tmp_path)
    loaded = read_existing(config, out)
    loaded.answers.spot.strategy = "cap"
    loaded.answers.spot.price_limit = "0.25"
    plan = build_plan(loaded.answers, config_path=config, out_dir=out)

    edit_by_hand(config, daemon)

    report = write_plan(plan)
    assert {c.path for c in report.remerged} == {config, daemon}
    shown = {c.path: c.diff for c in report.remerged}
    assert "+concurrent = 6  # by hand" in shown[config]
    assert '+  "debug": true' in shown[daemon]

    text = config.read_text()
    assert "concurrent = 6  # by hand" in text  # the other edit survived
    assert 'name = "added-by-hand"' in text
    assert '"k8s.aliyun.com/eci-spot-strategy" = "SpotWithPriceLimit"' in text
    assert '"k8s.aliyun.com/eci-spot-price-limit" = "0.25"' in text
    assert '"debug": true' in daemon.read_text()
    assert "https://abcd1234.mirror.aliyuncs.com" in daemon.read_text()


def test_change_since_load_is_shown_with_secrets_masked(tmp_path):
    config, _daemon, out = set_up_host(tmp_path)
    loaded = read_existing(config, out)
    config.write_text(
        config.read_text().replace("a1b2c3d4e5f6a7b8c9d0", "rotated0token0value00")
    )
    changes = detect_disk_changes([config], loaded.fingerprints)
    assert [c.path for c in changes] == [config]
    assert "rotated0token0value00" not in changes[0].diff
    assert "a1b2c3d4e5f6a7b8c9d0" not in changes[0].diff
    assert '+  token = "********"' in changes[0].diff


def test_without_remerge_nothing_is_written(tmp_path):
    config, daemon, out = set_up_host(tmp_path)
    loaded = read_existing(config, out)
    loaded.answers.resources.cpu_request = "3"
    plan = build_plan(loaded.answers, config_path=config, out_dir=out)
    edit_by_hand(config, daemon)
    before = tree(tmp_path)
    with pytest.raises(ConcurrentChangeError) as err:
        write_artifacts(plan.artifacts, plan.fingerprints)
    assert {c.path for c in err.value.changes} == {config, daemon}
    assert tree(tmp_path) == before


def test_a_change_that_breaks_the_file_stops_everything(tmp_path):
    config, _daemon, out = set_up_host(tmp_path)
    loaded = read_existing(config, out)
    loaded.answers.resources.cpu_request = "3"
    loaded.answers.cache.capacity = "80Gi"
    plan = build_plan(loaded.answers, config_path=config, out_dir=out)
    config.write_text(config.read_text() + "\nbroken: yes\n")
    stamp = os.stat(out / "gitlab-k8s" / "oss-cache.yaml").st_mtime_ns
    before = tree(tmp_path)
    with pytest.raises(InvalidAnswers) as err:
        write_plan(plan)
    assert "TOML uses" in str(err.value)
    assert tree(tmp_path) == before
    assert os.stat(out / "gitlab-k8s" / "oss-cache.yaml").st_mtime_ns == stamp
