"""--screen NAME: load what was written, change one field, and exactly its lines change."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from wizard import cli
from wizard.model import STEPS
from wizard.options import Options
from wizard.write.plan import build_plan, write_plan

# One field per screen, and every line that must change, file by file:
# (removed lines, added lines); "{tmp}" stands for the test's folder.
CHANGES = {
    "target": (
        {"target.out_dir": "{tmp}/out2"},
        {
            "etc/config.toml": (
                [
                    '    ca_file = "{tmp}/out/gitlab-k8s/ca.crt"',
                    '    cert_file = "{tmp}/out/gitlab-k8s/client.crt"',
                    '    key_file = "{tmp}/out/gitlab-k8s/client.key"',
                ],
                [
                    '    ca_file = "{tmp}/out2/gitlab-k8s/ca.crt"',
                    '    cert_file = "{tmp}/out2/gitlab-k8s/client.crt"',
                    '    key_file = "{tmp}/out2/gitlab-k8s/client.key"',
                ],
            ),
            # Whole new copies in the new folder; the old folder is left alone.
            "out2/gitlab-k8s/ca.crt": "new",
            "out2/gitlab-k8s/client.crt": "new",
            "out2/gitlab-k8s/client.key": "new",
            "out2/gitlab-k8s/gitlab-ci.example.yml": "new",
            "out2/gitlab-k8s/oss-cache.yaml": "new",
            "out2/gitlab-k8s/wizard-state.toml": "new",
        },
    ),
    "registration": (
        {"registration.url": "https://gitlab2.example.com"},
        {
            "etc/config.toml": (
                ['  url = "https://gitlab.example.com"'],
                ['  url = "https://gitlab2.example.com"'],
            )
        },
    ),
    "cluster": (
        {"cluster.namespace": "ci-jobs"},
        {
            "etc/config.toml": (
                ['    namespace = "default"'],
                ['    namespace = "ci-jobs"'],
            ),
            "out/gitlab-k8s/oss-cache.yaml": (
                [
                    "  namespace: default",
                    "    namespace: default",
                    "      namespace: default",
                    "  namespace: default",
                ],
                [
                    "  namespace: ci-jobs",
                    "    namespace: ci-jobs",
                    "      namespace: ci-jobs",
                    "  namespace: ci-jobs",
                ],
            ),
        },
    ),
    "cache": (
        {"cache.capacity": "100Gi"},
        {
            "out/gitlab-k8s/oss-cache.yaml": (
                ["    storage: 50Gi", "      storage: 50Gi"],
                ["    storage: 100Gi", "      storage: 100Gi"],
            )
        },
    ),
    "images": (
        {"images.image": "maven:3-jdk-8"},
        {
            # The CI example names its own JDK image, so only config.toml moves.
            "etc/config.toml": (['    image = ""'], ['    image = "maven:3-jdk-8"']),
        },
    ),
    "spot": (
        {"spot.strategy": "cap", "spot.price_limit": "0.5"},
        {
            "etc/config.toml": (
                ['      "k8s.aliyun.com/eci-spot-strategy" = "SpotAsPriceGo"'],
                [
                    '      "k8s.aliyun.com/eci-spot-strategy" = "SpotWithPriceLimit"',
                    '      "k8s.aliyun.com/eci-spot-price-limit" = "0.5"',
                ],
            ),
            "out/gitlab-k8s/wizard-state.toml": (
                ['strategy = "market"', 'price_limit = ""'],
                ['strategy = "cap"', 'price_limit = "0.5"'],
            ),
        },
    ),
    "resources": (
        {"resources.cpu_request": "3"},
        {"etc/config.toml": (['    cpu_request = "2"'], ['    cpu_request = "3"'])},
    ),
    "networking": (
        {"networking.egress": "eip"},
        {
            "etc/config.toml": (
                [],
                [
                    '      "k8s.aliyun.com/eci-with-eip" = "true"',
                    '      "k8s.aliyun.com/eip-bandwidth" = "5"',
                ],
            ),
            "out/gitlab-k8s/wizard-state.toml": (
                ['egress = "nat"'],
                ['egress = "eip"'],
            ),
        },
    ),
    "review": (
        {"review.apply": True},
        {"out/gitlab-k8s/wizard-state.toml": (["apply = false"], ["apply = true"])},
    ),
}


def files_below(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(".bak") and p.suffix != ".log"
    }


def line_changes(old: bytes, new: bytes) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.ndiff(old.decode().splitlines(), new.decode().splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def test_every_screen_has_a_case():
    assert set(CHANGES) == set(STEPS)


@pytest.mark.parametrize("screen", STEPS)
def test_screen_change_touches_exactly_the_expected_lines(
    screen, answers_file, tmp_path
):
    """Set up through the answers file, reopen one screen, change one field, write."""
    assert cli.main(["--answers", str(answers_file()), "--yes", "--offline"]) == 0
    config = tmp_path / "etc" / "config.toml"
    before = files_below(tmp_path)

    options = Options(config=str(config), out_dir=str(tmp_path / "out"), screen=screen)
    answers, code = cli.load_existing_answers(options)
    assert code == 0
    field_changes, expected = CHANGES[screen]
    for dotted, value in field_changes.items():
        section, name = dotted.split(".")
        if isinstance(value, str):
            value = value.format(tmp=tmp_path)
        setattr(getattr(answers, section), name, value)
    out_dir = Path(answers.target.out_dir)
    report = write_plan(build_plan(answers, config_path=config, out_dir=out_dir))

    after = files_below(tmp_path)
    changed = {
        f
        for f in set(before) | set(after)
        if before.get(f, (None,))[0] != after.get(f, (None,))[0]
    }
    assert changed == set(expected)
    for name, want in expected.items():
        if want == "new":
            assert name not in before
            continue
        removed, added = line_changes(before[name][0], after[name][0])
        fill = [[line.format(tmp=tmp_path) for line in side] for side in want]
        assert (removed, added) == tuple(fill), name
    # Files that did not change were not even touched.
    for name in set(before) - changed:
        assert after[name][1] == before[name][1], name
    assert {str(p.relative_to(tmp_path)) for p in report.written} == changed


@pytest.mark.parametrize("screen", STEPS)
def test_reopening_a_screen_and_writing_unchanged_is_a_no_op(
    screen, answers_file, tmp_path
):
    assert cli.main(["--answers", str(answers_file()), "--yes", "--offline"]) == 0
    config = tmp_path / "etc" / "config.toml"
    before = files_below(tmp_path)
    answers, code = cli.load_existing_answers(
        Options(config=str(config), out_dir=str(tmp_path / "out"), screen=screen)
    )
    assert code == 0
    report = write_plan(
        build_plan(answers, config_path=config, out_dir=tmp_path / "out")
    )
    assert report.written == [] and report.backups == {}
    assert files_below(tmp_path) == before


def test_several_runners_without_runner_flag_exit_2(tmp_path, fixtures_dir, capsys):
    config = tmp_path / "config.toml"
    config.write_bytes((fixtures_dir / "config-two-runners.toml").read_bytes())
    code = cli.main(
        ["--screen", "spot", "--config", str(config), "--out", str(tmp_path / "o")]
    )
    assert code == cli.EXIT_INVALID
    err = capsys.readouterr().err
    assert "docs-shell, k8s" in err and "--runner NAME" in err

    answers, code = cli.load_existing_answers(
        Options(
            config=str(config), out_dir=str(tmp_path / "o"), runner="k8s", screen="spot"
        )
    )
    assert code == 0 and answers.target.runner == "k8s"


def test_malformed_config_exits_2_with_position_and_writes_nothing(
    tmp_path, cases_dir, capsys
):
    config = tmp_path / "config.toml"
    config.write_bytes((cases_dir / "01-yaml-colon-in-toml.toml").read_bytes())
    code = cli.main(
        ["--screen", "cluster", "--config", str(config), "--out", str(tmp_path / "o")]
    )
    assert code == cli.EXIT_INVALID
    assert f"{config}:16:18" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_screen_without_an_earlier_setup_says_what_to_do(tmp_path, capsys):
    code = cli.main(["--screen", "spot", "--config", str(tmp_path / "none.toml")])
    assert code == cli.EXIT_INVALID
    assert "without --screen" in capsys.readouterr().err
