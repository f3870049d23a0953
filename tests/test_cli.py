"""The command line, the answers file round trip, and the default paths."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from wizard import __version__
from wizard.answers import dump_answers, load_answers, read_answers
from wizard.cli import main
from wizard.model import Answers
from wizard.paths import default_config_path, default_out_dir
from wizard.secret import Secret

ROOT = Path(__file__).resolve().parents[1]
CANARY = "glrt-CANARYcanaryCANARYcanary7"


def test_writeup_through_the_cli(answers_file, tmp_path, capsys):
    path = answers_file()
    assert main(["--answers", str(path), "--yes", "--offline"]) == 0
    out = capsys.readouterr().out
    config = tmp_path / "etc" / "config.toml"
    assert f"  {config}  (GitLab Runner config.toml)" in out
    assert "Left to do by hand:" in out and "kubectl apply -f" in out
    assert "billed as 4 vCPU / 8 GiB" in out
    runner = tomllib.loads(config.read_text())["runners"][0]
    assert runner["kubernetes"]["pod_annotations"] == {
        "k8s.aliyun.com/eci-spot-strategy": "SpotAsPriceGo"
    }
    assert (tmp_path / "out" / "gitlab-k8s" / "oss-cache.yaml").exists()


def test_second_run_writes_nothing(answers_file, tmp_path, capsys):
    path = answers_file()
    assert main(["--answers", str(path), "--yes", "--offline"]) == 0
    capsys.readouterr()
    assert main(["--answers", str(path), "--yes", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "Nothing needed writing." in out
    assert "(already up to date)" in out


def test_config_flag_and_default_out_dir(answers_file, tmp_path, capsys):
    other = tmp_path / "elsewhere" / "config.toml"
    other.parent.mkdir()
    other.write_text((tmp_path / "etc" / "config.toml").read_text())
    path = answers_file(drop=["target.config", "target.out_dir"])
    assert (
        main(["--answers", str(path), "--yes", "--offline", "--config", str(other)])
        == 0
    )
    assert "SpotAsPriceGo" in other.read_text()
    assert (other.parent / "ask-runner-wizard" / "gitlab-k8s" / "client.key").exists()
    assert "SpotAsPriceGo" not in (tmp_path / "etc" / "config.toml").read_text()


def test_runner_flag_selects_the_entry(answers_file, capsys):
    path = answers_file()
    assert (
        main(["--answers", str(path), "--yes", "--offline", "--runner", "missing"]) == 2
    )
    assert "target.runner: " in capsys.readouterr().err


def test_canary_token_reaches_only_config_toml(
    answers_file, tmp_path, capsys, private_log, monkeypatch
):
    monkeypatch.setenv("WIZARD_TEST_RUNNER_TOKEN", CANARY)
    path = answers_file(
        {"registration.runner_token": {"env": "WIZARD_TEST_RUNNER_TOKEN"}}
    )
    assert main(["--answers", str(path), "--yes", "--offline"]) == 0
    captured = capsys.readouterr()
    assert CANARY not in captured.out + captured.err
    holders = []
    for dirpath, _dirs, names in os.walk(tmp_path):
        for name in names:
            file = Path(dirpath) / name
            if CANARY.encode() in file.read_bytes():
                holders.append(file)
                assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    assert holders == [tmp_path / "etc" / "config.toml"]
    assert private_log.read_text() and CANARY not in private_log.read_text()
    dumped = dump_answers(load_answers(path))
    assert CANARY not in dumped and 'env = "WIZARD_TEST_RUNNER_TOKEN"' in dumped


def test_version_and_module_entry_point(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out
    proc = subprocess.run(
        [sys.executable, "-m", "wizard", "--version"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_yes_needs_answers(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--yes"])
    assert info.value.code == 2
    assert "--yes needs --answers" in capsys.readouterr().err


def test_unknown_screen_is_refused(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--screen", "nowhere"])
    assert info.value.code == 2


# --- the answers file -------------------------------------------------------


def test_dump_is_the_inverse_of_load(tmp_path, monkeypatch):
    monkeypatch.setenv("WIZARD_TEST_AK", "FAKEsecretFAKEsecret")
    (tmp_path / "token.txt").write_text("glrt-FROMfileFROMfileFROM1\n")
    a = Answers()
    a.target.mode = "edit"
    a.target.runner = "k8s"
    a.registration.url = "https://gitlab.example.com"
    a.registration.runner_token = Secret("glrt-FROMfileFROMfileFROM1", "file:token.txt")
    a.registration.tags = ["docker", "k8s"]
    a.registration.token_obtained_at = dt.datetime(2024, 3, 1, 8, 5, tzinfo=dt.UTC)
    a.registration.runner_id = 18
    a.cache.access_key_secret = Secret("FAKEsecretFAKEsecret", "env:WIZARD_TEST_AK")
    a.spot.protection_hours = 0
    a.networking.eip_bandwidth = 10
    path = tmp_path / "a.toml"
    path.write_text(dump_answers(a))
    again, problems = read_answers(path)
    assert problems == []
    assert again == a
    assert dump_answers(again) == path.read_text()


def test_inline_secrets_are_never_dumped():
    a = Answers()
    a.cache.access_key_secret = Secret("INLINEsecretVALUE")
    a.registration.token = Secret("glrt-INLINEinlineINLINE01")
    text = dump_answers(a)
    assert "INLINE" not in text
    assert "access_key_secret was given inline and is not saved" in text
    assert tomllib.loads(text)["cache"].get("access_key_secret") is None


def test_structure_problems_name_section_key_and_type(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text(
        "[spots]\nstrategy = 'market'\n"
        "[cache]\nbuckett = 'x'\ncapacity = 50\n"
        "[networking]\nservice_host_env = 'yes'\n"
        "[registration]\ntags = 'docker,k8s'\ntoken = { file = 'missing.txt' }\n"
    )
    _answers, problems = read_answers(path)
    by_field = {p.field: p.message for p in problems}
    assert by_field["spots"] == "unknown section (did you mean spot?)"
    assert by_field["cache.buckett"] == "unknown key (did you mean bucket?)"
    assert "expected a string, found integer 50" in by_field["cache.capacity"]
    assert "expected true or false" in by_field["networking.service_host_env"]
    assert "list of strings" in by_field["registration.tags"]
    assert "cannot read" in by_field["registration.token"]


def test_not_toml_names_the_line(tmp_path):
    from wizard.problems import InvalidAnswers

    path = tmp_path / "a.toml"
    path.write_text("[cache]\nbucket: x\n")
    with pytest.raises(InvalidAnswers) as info:
        read_answers(path)
    assert "line 2" in str(info.value)


# --- default paths, like gitlab-runner --------------------------------------


def test_default_config_path_follows_gitlab_runner(tmp_path):
    assert default_config_path(env={}, euid=0) == Path("/etc/gitlab-runner/config.toml")
    assert default_config_path(env={}, euid=1000, home=tmp_path) == (
        tmp_path / ".gitlab-runner" / "config.toml"
    )
    assert default_config_path(env={"CONFIG_FILE": "/srv/c.toml"}, euid=0) == Path(
        "/srv/c.toml"
    )
    assert default_out_dir(Path("/etc/gitlab-runner/config.toml")) == Path(
        "/etc/gitlab-runner/ask-runner-wizard"
    )


def _random_answers():
    """Answers with arbitrary text, numbers and lists in every plain field."""
    import dataclasses
    import typing

    from hypothesis import strategies as st

    from wizard import model

    text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
    kinds = {
        str: text,
        bool: st.booleans(),
        int: st.integers(-(2**63), 2**63 - 1),
        list[str]: st.lists(text, max_size=3),
    }

    def section(cls):
        hints = typing.get_type_hints(cls, vars(model))
        fields = {
            f.name: kinds[hints[f.name]]
            for f in dataclasses.fields(cls)
            if hints[f.name] in kinds
        }
        return st.builds(cls, **fields)

    parts = {name: section(type(getattr(Answers(), name))) for name in model.SECTIONS}
    return st.builds(Answers, **parts)


def test_dump_load_round_trip_for_any_plain_values(tmp_path):
    from hypothesis import HealthCheck, given, settings

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(_random_answers())
    def check(answers):
        path = tmp_path / "a.toml"
        path.write_text(dump_answers(answers), encoding="utf-8")
        again, problems = read_answers(path)
        assert problems == []
        assert again == answers

    check()
