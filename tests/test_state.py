"""The state file: small, secret-free, 0600, and written only when answers change."""

from __future__ import annotations

import stat
from pathlib import Path

from sharedpath import FIXTURES

from wizard.answers import load_answers
from wizard.model import Answers
from wizard.secret import Secret
from wizard.state import (
    STATE_FIELDS,
    load_state,
    render_state,
    runner_dir,
    state_artifact,
    state_path,
)
from wizard.write.files import write_artifacts
from wizard.write.plan import build_plan

ROOT = Path(__file__).resolve().parents[1]


def full_answers() -> Answers:
    a = Answers()
    a.target.runner = "k8s"
    a.registration.token = Secret("GR1348941canaryREGISTRATION")
    a.registration.runner_token = Secret("canaryRUNNERtoken0000")
    a.registration.personal_access_token = Secret("glpat-canaryPAT")
    a.registration.tags = ["docker", "k8s"]
    a.cluster.kubeconfig = Secret("apiVersion: v1\nusers: canaryKUBE\n")
    a.cluster.kind = "ack-eci"
    a.cluster.vswitch_ids = ["vsw-1", "vsw-2"]
    a.cache.access_key_id = Secret("LTAIcanaryID")
    a.cache.access_key_secret = Secret("canaryAKSECRET")
    a.spot.strategy = "cap"
    a.spot.price_limit = "0.125"
    a.images.runner_version = "17.3.1"
    a.endpoints.sts = "http://127.0.0.1:9"
    return a


def test_state_holds_no_secret_at_all():
    text = render_state(full_answers())
    assert "canary" not in text
    for name in ("token", "personal_access_token", "kubeconfig", "access_key"):
        assert f"{name} =" not in text


def test_state_round_trip_of_every_state_field(tmp_path):
    original = full_answers()
    write_artifacts([state_artifact(original, tmp_path)])
    loaded, problems = load_state(tmp_path)
    assert problems == []
    for section, names in STATE_FIELDS.items():
        for name in names:
            assert getattr(getattr(loaded, section), name) == getattr(
                getattr(original, section), name
            ), f"{section}.{name}"
    assert loaded.registration.runner_token is None


def test_state_file_is_0600_and_rewritten_only_on_change(tmp_path):
    a = full_answers()
    first = write_artifacts([state_artifact(a, tmp_path)])
    path = state_path(tmp_path)
    assert first.written == [path]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert write_artifacts([state_artifact(a, tmp_path)]).written == []
    a.spot.strategy = "market"
    assert write_artifacts([state_artifact(a, tmp_path)]).written == [path]


def test_missing_state_is_none(tmp_path):
    assert load_state(tmp_path) == (None, [])


def test_malformed_state_names_its_line_and_never_blocks(tmp_path):
    state_path(tmp_path).write_text("[spot]\nstrategy = market\n")
    loaded, problems = load_state(tmp_path)
    assert loaded is None
    (problem,) = problems
    assert problem.level == "warning"
    assert problem.field == str(state_path(tmp_path))
    assert f"{state_path(tmp_path)}:2:" in problem.message
    assert "can be deleted" in problem.message


def test_unknown_state_key_is_a_warning(tmp_path):
    state_path(tmp_path).write_text(
        '[wizard]\nversion = 1\n[spot]\nstrategy = "market"\nfuture = 1\n'
    )
    loaded, problems = load_state(tmp_path)
    assert loaded.spot.strategy == "market"
    assert [p.level for p in problems] == ["warning"]
    assert "spot.future" in problems[0].field


def test_runner_dir_is_where_the_plan_puts_the_runner_files(tmp_path):
    config = tmp_path / "config.toml"
    config.write_bytes((FIXTURES / "config-registered.toml").read_bytes())
    answers = load_answers(ROOT / "examples" / "writeup.answers.toml")
    answers.images.mirror = ""
    answers.target.runner = "gitlab-k8s"
    plan = build_plan(answers, config_path=config, out_dir=tmp_path / "out")
    folder = runner_dir(tmp_path / "out", "gitlab-k8s")
    assert state_path(folder) in [a.path for a in plan.artifacts]
    assert any(
        a.path.name == "oss-cache.yaml" and a.path.parent == folder
        for a in plan.artifacts
    )
    assert runner_dir(tmp_path, "team a/b").name.startswith("team-a-b-")
