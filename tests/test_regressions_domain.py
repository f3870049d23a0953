"""Defects found by attacking the non-interactive mode; each test failed before its fix."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from wizard.cli import main
from wizard.kubeconfig import KubeconfigError, parse_kubeconfig
from wizard.state import runner_dir

TOKEN = "kubeTOKENsecretVALUE0123456789"

# Line 9 holds a token and a stray ':' YAML refuses there.
LEAKY_KUBECONFIG = f"""apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://192.0.2.40:6443
users:
- name: u
  user: {{token: {TOKEN}: x}}
contexts:
- name: x
  context: {{cluster: c, user: u}}
"""


def test_kubeconfig_yaml_error_masks_the_quoted_line():
    with pytest.raises(KubeconfigError) as caught:
        parse_kubeconfig(LEAKY_KUBECONFIG)
    message = str(caught.value)
    assert "line 9" in message
    assert TOKEN not in message
    assert "user:" in message  # the key is kept, so the line can be found


def test_kubeconfig_error_never_reaches_the_terminal_unmasked(
    answers_file, tmp_path, capsys
):
    (tmp_path / "leaky.yaml").write_text(LEAKY_KUBECONFIG)
    path = answers_file({"cluster.kubeconfig": {"file": "leaky.yaml"}})
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    out = capsys.readouterr()
    assert "cluster.kubeconfig" in out.err
    assert TOKEN not in out.err + out.out


@pytest.mark.parametrize(
    ("a", "b"),
    [("gitlab-k8s", "gitlab k8s"), ("ランナー", "跑步者"), ("runner", "ランナー")],
)
def test_names_that_sanitise_alike_get_different_folders(tmp_path, a, b):
    assert runner_dir(tmp_path, a) != runner_dir(tmp_path, b)
    assert runner_dir(tmp_path, a) == runner_dir(tmp_path, a)  # deterministic


def test_a_clean_name_keeps_its_plain_folder(tmp_path):
    assert runner_dir(tmp_path, "gitlab-k8s") == tmp_path / "gitlab-k8s"
    assert runner_dir(tmp_path, "gitlab k8s").name.startswith("gitlab-k8s-")


def test_two_runners_with_similar_names_keep_their_own_keys(answers_file, tmp_path):
    """Both runs write client keys; the second must not overwrite the first's."""
    first = answers_file(
        {
            "target.mode": "new",
            "registration.name": "team-k8s",
            "registration.runner_token": "glrt-firstRUNNERtoken00000",
        },
        name="a.toml",
    )
    second = answers_file(
        {
            "target.mode": "new",
            "registration.name": "team k8s",
            "registration.runner_token": "glrt-secondRUNNERtoken0000",
        },
        name="b.toml",
    )
    assert main(["--answers", str(first), "--yes", "--offline"]) == 0
    assert main(["--answers", str(second), "--yes", "--offline"]) == 0
    config = tomllib.loads((tmp_path / "etc" / "config.toml").read_text())
    key_files = {
        r["name"]: r["kubernetes"]["key_file"]
        for r in config["runners"]
        if r["name"] in ("team-k8s", "team k8s")
    }
    assert len(set(key_files.values())) == 2
    assert all(Path(p).is_file() for p in key_files.values())


def test_editing_with_a_partial_answers_file_keeps_the_other_settings(
    answers_file, tmp_path, capsys
):
    """Answer one step, keep the rest: limits and namespace survive, changes are noted."""
    assert main(["--answers", str(answers_file()), "--yes", "--offline"]) == 0
    config = tmp_path / "etc" / "config.toml"
    text = config.read_text().replace('namespace = "default"', 'namespace = "ci"')
    config.write_text(
        text.replace(
            "[runners.kubernetes]", '[runners.kubernetes]\n    cpu_limit = "4"'
        )
    )
    partial = tmp_path / "partial.toml"
    partial.write_text(
        f'[target]\nmode = "edit"\nrunner = "gitlab-k8s"\nconfig = "{config}"\n'
        f'out_dir = "{tmp_path / "out"}"\n'
        '[spot]\nstrategy = "on-demand"\n'
    )
    capsys.readouterr()
    assert main(["--answers", str(partial), "--yes", "--offline"]) == 0
    kube = tomllib.loads(config.read_text())["runners"][0]["kubernetes"]
    assert kube["namespace"] == "ci"
    assert kube["cpu_limit"] == "4"
    assert kube["cpu_request"] == "2"
    out = capsys.readouterr().out
    assert "spot.strategy: changed from 'market' to 'on-demand'" in out
    assert "registry-mirrors" in (tmp_path / "docker" / "daemon.json").read_text()


def test_a_target_that_cannot_be_created_stops_the_run_before_any_write(
    answers_file, tmp_path, snapshot, capsys
):
    path = answers_file()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "gitlab-k8s").write_text("a file where a folder goes\n")
    before = snapshot(tmp_path)
    assert main(["--answers", str(path), "--yes", "--offline"]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'out' / 'gitlab-k8s'} is not a folder" in err
    assert "--out" in err
    assert snapshot(tmp_path) == before  # daemon.json included


def test_preflight_refuses_a_file_of_another_user_and_a_read_only_file(tmp_path):
    from wizard.write.files import preflight

    theirs = tmp_path / "theirs.toml"
    theirs.write_text("x")
    os.chown(theirs, 4242, 4242)
    mine = tmp_path / "mine.toml"
    mine.write_text("x")
    os.chown(mine, 4343, 4343)
    mine.chmod(0o444)
    tmp_path.chmod(0o777)
    reasons = preflight([theirs, mine], uid=4343)
    assert any(
        "theirs.toml belongs to another user" in r and "sudo" in r for r in reasons
    )
    assert any("mine.toml is read-only" in r for r in reasons)
    assert preflight([theirs, mine], uid=0) == []


def test_preflight_refuses_a_folder_this_user_cannot_write(tmp_path):
    from wizard.write.files import preflight

    locked = tmp_path / "locked"
    locked.mkdir(mode=0o755)
    reasons = preflight([locked / "new" / "ca.crt"], uid=4343)
    assert reasons == [
        f"cannot create a folder in {locked} (not writable for this user); "
        "run with sudo, or choose --config/--out in a folder you own"
    ]


def test_a_write_failing_midway_says_what_was_written_and_what_not(
    tmp_path, monkeypatch
):
    from wizard.write import files

    arts = [files.Artifact(tmp_path / n, b"x\n") for n in ("a", "b", "c")]
    real = files.atomic_write

    def fail_on_b(path, data, mode, *, secret=False):
        if Path(path).name == "b":
            raise OSError(28, "No space left on device")
        real(path, data, mode, secret=secret)

    monkeypatch.setattr(files, "atomic_write", fail_on_b)
    with pytest.raises(files.PartialWriteError) as caught:
        files.write_artifacts(arts)
    message = str(caught.value)
    assert f"writing {tmp_path / 'b'} failed (No space left on device)" in message
    assert (
        f"already written: {tmp_path / 'a'}; not written: {tmp_path / 'b'}, " in message
    )
    assert caught.value.written == [tmp_path / "a"]


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("concurrent = 1", 'concurrent = "1"', "concurrent"),
        (
            '  executor = "kubernetes"',
            '  executor = "kubernetes"\n  environment = [1, 2]',
            "runners[0].environment",
        ),
        (
            "[runners.kubernetes]",
            "[runners.kubernetes]\n    pod_annotations = {a = 1}",
            "runners[0].kubernetes.pod_annotations.a",
        ),
        (
            "    [runners.kubernetes.volumes]",
            "    [runners.kubernetes.volumes]\n"
            "    [[runners.kubernetes.volumes.pvc]]\n"
            '      name = 5\n      mount_path = "/data"',
            "runners[0].kubernetes.volumes.pvc[0].name",
        ),
    ],
    ids=["concurrent", "environment", "pod_annotations", "pvc-name"],
)
def test_a_value_the_runner_refuses_next_to_the_edit_stops_the_run(
    answers_file, tmp_path, snapshot, capsys, old, new, where
):
    config = tmp_path / "etc" / "config.toml"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new, 1))
    path = answers_file()
    before = snapshot(tmp_path)
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    err = capsys.readouterr().err
    assert f"{where}:" in err
    assert snapshot(tmp_path) == before


def test_edit_mode_refuses_a_token_another_entry_uses(answers_file, tmp_path, capsys):
    config = tmp_path / "etc" / "config.toml"
    config.write_text(
        config.read_text()
        + '\n[[runners]]\n  name = "other"\n  url = "https://gitlab.example.com"\n'
        '  token = "glrt-otherENTRYtoken000000"\n  executor = "shell"\n'
    )
    path = answers_file({"registration.runner_token": "glrt-otherENTRYtoken000000"})
    before = config.read_bytes()
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    err = capsys.readouterr().err
    assert "registration.runner_token: runner 'other'" in err
    assert "glrt-otherENTRYtoken000000" not in err
    assert config.read_bytes() == before


def test_running_the_same_new_answers_twice_is_a_no_op(answers_file, tmp_path, capsys):
    path = answers_file(
        {
            "target.mode": "new",
            "registration.name": "second",
            "registration.runner_token": "glrt-secondENTRYtoken00000",
        }
    )
    assert main(["--answers", str(path), "--yes", "--offline"]) == 0
    config = tmp_path / "etc" / "config.toml"
    first = config.read_bytes()
    capsys.readouterr()
    assert main(["--answers", str(path), "--yes", "--offline"]) == 0
    assert config.read_bytes() == first
    assert "Nothing needed writing." in capsys.readouterr().out


def test_a_new_runner_with_a_taken_name_and_another_token_is_refused(
    answers_file, capsys
):
    path = answers_file(
        {
            "target.mode": "new",
            "registration.name": "gitlab-k8s",
            "registration.runner_token": "glrt-someOTHERtoken0000000",
        }
    )
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    assert "already has a runner named 'gitlab-k8s'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b"glrt-abc def0000000000000\n", "registration.runner_token"),
        (b"glrt-abc0000000000000000\r\ngarbage\n", "registration.runner_token"),
        (b" glrt-abc0000000000000000\n", "registration.runner_token"),
        (b"glrt-abc0000000000000000\t\n", "registration.runner_token"),
    ],
    ids=["inner-space", "two-lines", "leading-space", "trailing-tab"],
)
def test_whitespace_inside_a_secret_file_is_refused(
    answers_file, tmp_path, capsys, content, field
):
    (tmp_path / "token.txt").write_bytes(content)
    path = answers_file({"registration.runner_token": {"file": "token.txt"}})
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    err = capsys.readouterr().err
    assert f"{field}: the runner token contains spaces, line breaks" in err
    assert "glrt-abc" not in err


def test_a_bom_and_a_final_crlf_are_dropped_from_a_secret_file(tmp_path):
    from wizard.secret import Secret

    (tmp_path / "t").write_bytes(b"\xef\xbb\xbfglrt-abc0000000000000000\r\n")
    secret = Secret.from_answer({"file": "t"}, base=tmp_path)
    assert secret.reveal() == "glrt-abc0000000000000000"


def test_whitespace_in_an_inline_or_env_secret_is_refused(
    answers_file, capsys, monkeypatch
):
    monkeypatch.setenv("ASK_WIZARD_TEST_AK", "LTAI5tFAKEwriteupKEYID0\n")
    path = answers_file(
        {
            "cache.access_key_id": {"env": "ASK_WIZARD_TEST_AK"},
            "cache.access_key_secret": "FAKEwriteupSECRET notREAL0000",
        }
    )
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    err = capsys.readouterr().err
    assert "cache.access_key_id: the AccessKey id contains spaces" in err
    assert "cache.access_key_secret: the AccessKey secret contains spaces" in err


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda p: p.write_bytes(b"\xff\xfe\x00g"), "is not UTF-8 text"),
        (lambda p: os.mkfifo(p), "is not a regular file"),
        (lambda p: p.write_bytes(b"x" * (1024 * 1024 + 1)), "at most 1 MiB"),
    ],
    ids=["not-utf8", "fifo", "too-big"],
)
def test_unreadable_secret_files_are_clean_errors(
    answers_file, tmp_path, capsys, make, needle
):
    make(tmp_path / "token.txt")
    path = answers_file({"registration.runner_token": {"file": "token.txt"}})
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    err = capsys.readouterr().err
    assert "registration.runner_token:" in err and needle in err


def test_dev_zero_as_a_secret_file_is_refused(answers_file, capsys):
    path = answers_file({"registration.runner_token": {"file": "/dev/zero"}})
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    assert "/dev/zero is not a regular file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"[target]\nmode = 'new' # caf\xe9\n", "is not UTF-8 text"),
        (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested too deeply"),
    ],
    ids=["latin-1", "deep-arrays"],
)
def test_an_unreadable_answers_file_is_a_clean_error(tmp_path, capsys, content, needle):
    path = tmp_path / "answers.toml"
    path.write_bytes(content)
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    assert needle in capsys.readouterr().err


def test_an_answers_file_with_a_bom_is_read(answers_file, capsys):
    path = answers_file()
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert main(["--answers", str(path), "--yes", "--offline"]) == 0


def test_a_deeply_nested_daemon_json_is_a_clean_error(answers_file, tmp_path, capsys):
    (tmp_path / "docker" / "daemon.json").write_text("[" * 100000 + "]" * 100000)
    path = answers_file()
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    assert "nested too deeply" in capsys.readouterr().err


def test_kubeconfig_and_kubeconfig_path_together_are_refused(
    answers_file, tmp_path, capsys
):
    path = answers_file(
        {"cluster.kubeconfig_path": str(tmp_path / "writeup.kubeconfig.yaml")}
    )
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    assert "cluster.kubeconfig_path: both kubeconfig and kubeconfig_path" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize("char", ["\x00", "\u202e", "\u2066"])
def test_nul_and_bidi_controls_in_a_text_field_are_refused(answers_file, capsys, char):
    path = answers_file({"registration.description": f"k8s{char}runner"})
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    assert "registration.description: contains a NUL or an invisible" in (
        capsys.readouterr().err
    )


def _example():
    from wizard.answers import read_answers

    answers, problems = read_answers(
        Path(__file__).resolve().parents[1] / "examples" / "writeup.answers.toml"
    )
    assert not problems
    return answers


def _problems(answers, level="error"):
    from wizard.validate import validate_answers

    return {str(p) for p in validate_answers(answers) if p.level == level}


@pytest.mark.parametrize(
    ("region", "message"),
    [
        (
            "cn-hangzhou-i",
            "cluster.region: 'cn-hangzhou-i' is a zone; the region is cn-hangzhou",
        ),
        ("cn-hangzou", "did you mean cn-hangzhou?"),
    ],
)
def test_a_zone_or_a_typo_is_not_taken_for_a_region(region, message):
    answers = _example()
    answers.cluster.region = region
    assert any(message in p for p in _problems(answers)), _problems(answers)


def test_known_regions_pass():
    from wizard.validate import check_region

    for region in ("cn-hangzhou", "ap-southeast-1", "eu-central-1", "us-west-1"):
        assert check_region(region) is None


def test_an_internal_cache_endpoint_in_another_region_warns():
    answers = _example()
    answers.cache.region = "cn-beijing"
    warnings = _problems(answers, "warning")
    assert any(
        w.startswith("cache.region:") and "internal OSS endpoint of cn-beijing" in w
        for w in warnings
    ), warnings


def test_every_spec_spot_does_not_offer_is_an_error_and_the_hint_is_a_spot_size():
    from wizard.sizing import SPECS_ENTRY_RE, eci_offered

    answers = _example()  # spot market
    answers.resources.specs = "2-4Gi,2-6Gi"
    errors = [p for p in _problems(answers) if p.startswith("resources.specs:")]
    assert len(errors) == 1 and "spot does not offer 2-6Gi" in errors[0]
    suggested = errors[0].split("the nearest one is ")[1].split(",")[0]
    m = SPECS_ENTRY_RE.fullmatch(suggested)
    from decimal import Decimal

    assert eci_offered(Decimal(m["cpu"]), Decimal(m["mem"]), spot=True)


def test_a_region_only_size_outside_those_regions_warns():
    answers = _example()
    answers.spot.strategy = "on-demand"
    answers.cluster.region = "eu-central-1"
    answers.cache.region = "eu-central-1"
    answers.resources.specs = "2-6Gi"
    assert any(
        "2-6Gi is offered only in some regions" in w
        for w in _problems(answers, "warning")
    )


def test_an_absurd_sum_is_an_error_naming_the_largest_size():
    answers = _example()
    answers.resources.cpu_request = "500"
    errors = _problems(answers)
    assert any(
        e.startswith("resources.cpu_request:") and "64 vCPU / 512 GiB" in e
        for e in errors
    ), errors


@pytest.mark.parametrize("path", ["/../../etc", "../../etc", "/a/../b"])
def test_dot_dot_in_the_cache_path_is_refused(path):
    answers = _example()
    answers.cache.path = path
    errors = [p for p in _problems(answers) if p.startswith("cache.path:")]
    assert errors == [
        "cache.path: '..' is not allowed in the path in the bucket; "
        "write the folder itself, like /gitlab-runner"
    ]


def test_edit_mode_with_a_missing_config_says_it_does_not_exist(
    answers_file, tmp_path, capsys
):
    path = answers_file({"target.config": str(tmp_path / "nowhere" / "config.toml")})
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    err = capsys.readouterr().err
    assert "target.config:" in err and "does not exist" in err
    assert 'mode = "new"' in err and "--config" in err


def test_a_relative_daemon_json_asks_for_an_absolute_path(answers_file, capsys):
    path = answers_file({"images.daemon_json": "daemon.json"})
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    err = capsys.readouterr().err
    assert (
        "images.daemon_json: the daemon.json path must be absolute; give an absolute"
        in err
    )


def test_a_config_toml_with_a_bom_says_so(answers_file, tmp_path, capsys):
    config = tmp_path / "etc" / "config.toml"
    config.write_bytes(b"\xef\xbb\xbf" + config.read_bytes())
    path = answers_file()
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    assert "starts with a byte-order mark; save it as UTF-8 without BOM" in (
        capsys.readouterr().err
    )


def test_a_key_set_twice_names_both_lines(answers_file, tmp_path, capsys):
    config = tmp_path / "etc" / "config.toml"
    text = config.read_text()
    config.write_text(
        text.replace(
            '  executor = "kubernetes"',
            '  executor = "kubernetes"\n  executor = "shell"',
        )
    )
    path = answers_file()
    lines = path.read_text().splitlines()
    at = lines.index('bucket = "gitlab-runner-cache"')
    lines.insert(at + 1, 'bucket = "other"')
    path.write_text("\n".join(lines) + "\n")
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    assert f"a key is set twice, at line {at + 1} and line {at + 2}" in (
        capsys.readouterr().err
    )
    path = answers_file()
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    assert "executor is set twice, at line 11 and line 12" in capsys.readouterr().err


def test_a_gb_size_offers_both_units_and_guesses_none():
    from wizard.validate import check_quantity

    message = check_quantity("50GB", "memory")
    assert "GB is not a Kubernetes unit" in message
    assert "50Gi" in message and "50G " in message


def test_a_daemon_json_in_a_missing_folder_says_the_folder_is_missing(
    answers_file, tmp_path, capsys
):
    path = answers_file(
        {"images.daemon_json": str(tmp_path / "nodocker" / "daemon.json")}
    )
    assert main(["--answers", str(path), "--yes", "--offline"]) == 0
    out = capsys.readouterr().out
    assert f"the folder {tmp_path / 'nodocker'} does not exist" in out
    assert "not writable" not in out


def test_a_mirror_url_with_credentials_is_refused(answers_file, tmp_path, capsys):
    path = answers_file({"images.mirror": "https://bob:hunter2pass@mirror.example.com"})
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    err = capsys.readouterr().err
    assert "images.mirror: a mirror URL holds no user or password" in err
    assert "docker login" in err


def test_token_dates_in_the_wrong_order_and_a_bad_runner_id_are_refused():
    import datetime as dt

    answers = _example()
    r = answers.registration
    r.token_obtained_at = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    r.token_expires_at = dt.datetime(2025, 2, 1, tzinfo=dt.UTC)
    r.runner_id = 0
    errors = _problems(answers)
    assert any(
        e.startswith("registration.token_expires_at: the token expires before")
        for e in errors
    )
    assert any(
        e.startswith("registration.runner_id: 0 is not a runner id") for e in errors
    )


def test_crlf_config_toml_keeps_crlf_after_the_merge(answers_file, tmp_path):
    config = tmp_path / "etc" / "config.toml"
    config.write_bytes(config.read_bytes().replace(b"\n", b"\r\n"))
    assert main(["--answers", str(answers_file()), "--yes", "--offline"]) == 0
    data = config.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 20


def test_the_log_file_is_0600_and_never_followed_through_a_symlink(
    tmp_path, monkeypatch
):
    from wizard.cli import configure_logging

    target = tmp_path / "elsewhere.txt"
    target.write_text("not a log\n")
    link = tmp_path / "wizard.log"
    link.symlink_to(target)
    monkeypatch.setenv("ASK_RUNNER_WIZARD_LOG", str(link))
    assert configure_logging() is None  # refused, logging goes nowhere
    assert target.read_text() == "not a log\n"

    log = tmp_path / "real.log"
    log.write_text("")
    log.chmod(0o644)
    monkeypatch.setenv("ASK_RUNNER_WIZARD_LOG", str(log))
    assert configure_logging() == log
    assert log.stat().st_mode & 0o777 == 0o600


def test_apply_with_offline_says_it_was_skipped(answers_file, capsys):
    path = answers_file({"review.apply": True})
    assert main(["--answers", str(path), "--yes", "--offline"]) == 0
    assert "Apply skipped" in capsys.readouterr().out


def test_unnamed_runner_entries_are_listed_with_their_line(
    answers_file, tmp_path, capsys
):
    config = tmp_path / "etc" / "config.toml"
    config.write_text(
        config.read_text() + '\n[[runners]]\n  url = "https://gitlab.example.com"\n'
        '  executor = "shell"\n'
    )
    line = config.read_text().splitlines().index("[[runners]]", 10) + 1
    path = answers_file({"target.runner": "nope"})
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    assert f"gitlab-k8s, (unnamed, line {line})" in capsys.readouterr().err


def test_every_bad_tag_is_reported_in_one_message():
    from wizard.validate import check_tags

    message = check_tags(["a,b", "c,d", "x", "x"])
    assert (
        "'a,b'" in message and "'c,d'" in message and "'x' is listed twice" in message
    )


def test_the_s3_cache_on_oss_pins_virtual_hosted_requests(answers_file, tmp_path):
    path = answers_file({"cache.mode": "s3"})
    assert main(["--answers", str(path), "--yes", "--offline"]) == 0
    config = tmp_path / "etc" / "config.toml"
    s3 = tomllib.loads(config.read_text())["runners"][0]["cache"]["s3"]
    assert s3["PathStyle"] is False
    assert s3["ServerAddress"] == "oss-cn-hangzhou-internal.aliyuncs.com"
    # Leaving s3 mode takes the key away with the other OSS s3 settings.
    assert main(["--answers", str(answers_file()), "--yes", "--offline"]) == 0
    cache = tomllib.loads(config.read_text())["runners"][0]["cache"]
    assert "PathStyle" not in cache.get("s3", {})


@pytest.mark.parametrize("mode", ["edit", "new"])
def test_a_fifo_daemon_json_is_refused_without_hanging(
    answers_file, tmp_path, capsys, mode
):
    fifo = tmp_path / "docker" / "daemon.json"
    fifo.unlink()
    os.mkfifo(fifo)
    changes = {"target.mode": mode}
    if mode == "new":
        changes |= {
            "registration.name": "fresh",
            "registration.runner_token": "glrt-freshRUNNERtoken00000",
        }
    path = answers_file(changes)
    assert main(["--answers", str(path), "--yes", "--offline"]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_a_corrupt_state_file_does_not_block_editing(answers_file, tmp_path, capsys):
    path = answers_file()
    assert main(["--answers", str(path), "--yes", "--offline"]) == 0
    state = tmp_path / "out" / "gitlab-k8s" / "wizard-state.toml"
    state.write_text("[spot\nbroken")
    from wizard.readback import read_existing

    loaded = read_existing(tmp_path / "etc" / "config.toml", tmp_path / "out")
    assert any(
        str(state) == p.field and "can be deleted" in p.message for p in loaded.problems
    )
    assert main(["--answers", str(path), "--yes", "--offline"]) == 0
    assert "[wizard]" in state.read_text()  # written anew


def test_an_earlier_versions_folder_is_still_read_back(answers_file, tmp_path):
    """A runner set up when its folder was the plain slug keeps its saved answers."""
    from wizard.readback import read_existing

    path = answers_file(
        {
            "target.mode": "new",
            "registration.name": "team k8s",
            "registration.runner_token": "glrt-teamRUNNERtoken000000",
            "cluster.namespace": "ci",
        }
    )
    assert main(["--answers", str(path), "--yes", "--offline"]) == 0
    new = runner_dir(tmp_path / "out", "team k8s")
    new.rename(tmp_path / "out" / "team-k8s")  # where an earlier version wrote it
    loaded = read_existing(
        tmp_path / "etc" / "config.toml", tmp_path / "out", "team k8s"
    )
    assert loaded.answers.cache.access_key_secret is not None  # from its manifest
    assert loaded.answers.spot.strategy == "market"  # from its state file


def test_the_cli_reports_a_write_that_failed_midway(
    answers_file, tmp_path, capsys, monkeypatch
):
    from wizard.write import files

    real = files.atomic_write

    def no_space_for_the_state(path, data, mode, *, secret=False):
        if Path(path).name == "wizard-state.toml":
            raise OSError(28, "No space left on device")
        real(path, data, mode, secret=secret)

    monkeypatch.setattr(files, "atomic_write", no_space_for_the_state)
    config = tmp_path / "etc" / "config.toml"
    before = config.read_bytes()
    assert main(["--answers", str(answers_file()), "--yes", "--offline"]) == 1
    err = capsys.readouterr().err
    assert "wizard-state.toml failed (No space left on device)" in err
    assert "already written: " in err and "client.key" in err.split("not written:")[0]
    assert str(config) in err.split("not written:")[1]
    assert config.read_bytes() == before  # config.toml goes last and was not reached
