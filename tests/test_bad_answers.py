"""Bad answers: one clear error naming the field, exit status 2, nothing written."""

from __future__ import annotations

import pytest

from wizard.cli import main

NO_CONTEXTS = """apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://192.0.2.40:6443
  name: c
users:
- name: u
  user:
    token: fake-token
contexts: []
"""

BAD = [
    ({"resources.memory_request": "6GB"}, "resources.memory_request", "6Gi"),
    ({"cache.bucket": "My_Bucket"}, "cache.bucket", "lowercase"),
    (
        {"cluster.kubeconfig": {"file": "empty.kubeconfig.yaml"}},
        "cluster.kubeconfig",
        "no contexts",
    ),
    ({"images.mirror": "abcd1234.mirror.aliyuncs.com"}, "images.mirror", "https://"),
    ({"spot.strategy": "cheapest"}, "spot.strategy", "on-demand, market, cap"),
    (
        {"spot.strategy": "cap", "spot.price_limit": "0.1234"},
        "spot.price_limit",
        "3 decimals",
    ),
    ({"cluster.namespace": "CI_Jobs"}, "cluster.namespace", "lowercase"),
    ({"resources.specs": "2C4G"}, "resources.specs", "2-4Gi"),
    (
        {"cache.endpoint": "vpc100-oss-cn-hangzhou.aliyuncs.com"},
        "cache.endpoint",
        "retired",
    ),
]


@pytest.mark.parametrize(("changes", "field", "hint"), BAD, ids=[b[1] for b in BAD])
def test_one_bad_value_one_error_nothing_written(
    snapshot, answers_file, tmp_path, capsys, changes, field, hint
):
    (tmp_path / "empty.kubeconfig.yaml").write_text(NO_CONTEXTS)
    path = answers_file(changes)
    before = snapshot(tmp_path)

    code = main(["--answers", str(path), "--yes", "--offline"])

    err = capsys.readouterr().err
    errors = [line.strip() for line in err.splitlines() if line.startswith("  ")]
    assert code == 2
    assert len(errors) == 1, err
    assert errors[0].startswith(f"{field}: ")
    assert hint in errors[0]
    assert snapshot(tmp_path) == before


def test_every_error_is_listed_at_once(snapshot, answers_file, tmp_path, capsys):
    path = answers_file(
        {
            "resources.memory_request": "6GB",
            "cache.bucket": "My_Bucket",
            "images.mirror": "mirror.example.com",
            "spot.strategy": "cheapest",
            "cache.capasity": "50Gi",
            "resources.cpu_limit": 4,
            "registration.runner_token": {"env": "ASK_WIZARD_TEST_UNSET_VARIABLE"},
            "network.egress": "nat",
        }
    )
    before = snapshot(tmp_path)
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    err = capsys.readouterr().err
    fields = [
        line.strip().split(":")[0] for line in err.splitlines() if line.startswith("  ")
    ]
    assert set(fields) == {
        "resources.memory_request",
        "cache.bucket",
        "images.mirror",
        "spot.strategy",
        "cache.capasity",
        "resources.cpu_limit",
        "registration.runner_token",
        "network",
    }
    assert "did you mean capacity?" in err
    assert "did you mean networking?" in err
    assert "quote it" in err  # a number where a quantity string belongs
    assert "ASK_WIZARD_TEST_UNSET_VARIABLE is not set" in err
    assert snapshot(tmp_path) == before


def test_broken_yaml_names_both_positions(
    snapshot, answers_file, tmp_path, capsys, cases_dir
):
    import shutil

    shutil.copy(
        cases_dir / "14-list-item-after-key.kubeconfig.yaml", tmp_path / "k.yaml"
    )
    path = answers_file(
        {"cluster.kubeconfig": {"file": "k.yaml"}, "cluster.context": ""}
    )
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    err = capsys.readouterr().err
    # Both positions, in the user's own line numbers: the stray item and the
    # mapping it broke.
    assert "cluster.kubeconfig: not valid YAML at line 28, column 7" in err
    # The line is quoted with its value masked: any kubeconfig value may be a secret.
    assert "(that line is '- ********')" in err
    assert "while parsing a block mapping at line 22, column 7" in err


def test_a_config_toml_that_does_not_parse_is_left_alone(
    snapshot, answers_file, tmp_path, capsys, cases_dir
):
    import shutil

    path = answers_file()
    shutil.copy(
        cases_dir / "01-yaml-colon-in-toml.toml", tmp_path / "etc" / "config.toml"
    )
    before = snapshot(tmp_path)
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    err = capsys.readouterr().err
    assert "config.toml:" in err and "TOML uses '=' between a key and its value" in err
    assert snapshot(tmp_path) == before


def test_a_missing_runner_entry_is_an_error(snapshot, answers_file, tmp_path, capsys):
    path = answers_file({"target.runner": "nope"})
    before = snapshot(tmp_path)
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    err = capsys.readouterr().err
    assert "target.runner:" in err and "gitlab-k8s" in err
    assert snapshot(tmp_path) == before
