"""config.toml lint: every realistic broken config, each problem with its line and fix."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import tomlkit
from sharedpath import SHARED

from wizard import keys
from wizard.lint import (
    MalformedFileError,
    apply_fixes,
    lint_config,
    parse_config,
    scan_positions,
)

CASES = SHARED / "cases"
FIXTURES = SHARED / "reference" / "fixtures"

# Per case file: every finding as (code, line), in line order.
EXPECTED = {
    "01-yaml-colon-in-toml.toml": [("parse-error", 16)],
    "02-cache-keys-after-subtable.toml": [
        ("swallowed-key", 18),
        ("swallowed-key", 19),
        ("swallowed-key", 20),
        ("swallowed-key", 21),
    ],
    "03-duplicate-runners-with-comments.toml": [
        ("empty-runner", 7),
        ("shared-token", 16),
    ],
    "03-duplicate-table-header.toml": [("parse-error", 15)],
    "04-annotation-keys-unquoted.toml": [("parse-error", 14)],
    "04-sysctl-keys-unquoted.toml": [("unquoted-dotted-key", 14)],
    "05-wrong-value-types.toml": [
        ("wrong-type", 12),
        ("wrong-type", 16),
        ("wrong-type", 17),
        ("wrong-type", 19),
        ("wrong-type", 21),
        ("wrong-type", 23),
        ("wrong-type", 26),
    ],
    "09-concurrent-vs-limit.toml": [("concurrent", 12)],
    "16-eci-annotation-typos.toml": [
        ("unknown-annotation", 18),
        ("bad-annotation", 19),
        ("bad-annotation", 29),
        ("wrong-type", 30),
    ],
    "16-eci-spot-annotations.toml": [("spot-cap", 17)],
    "17-eci-no-internet.toml": [],
    "18-arm-specs-x86-helper.toml": [("arch", 17), ("arch", 17)],
}

# Per case file and fixed line: the lines its fix removes and adds, nothing else.
FIX_DIFFS = {
    ("02-cache-keys-after-subtable.toml", 18): (
        ['    Type = "gcs"'],
        ['    Type = "gcs"'],
    ),
    ("03-duplicate-runners-with-comments.toml", 7): (["[[runners]]", ""], []),
    ("04-sysctl-keys-unquoted.toml", 14): (
        ['      net.ipv4.ip_forward = "1"'],
        ['      "net.ipv4.ip_forward" = "1"'],
    ),
    ("05-wrong-value-types.toml", 12): (
        ['  environment = "DOCKER_HOST=tcp://localhost:2375"'],
        ['  environment = ["DOCKER_HOST=tcp://localhost:2375"]'],
    ),
    ("05-wrong-value-types.toml", 16): (
        ["    cpu_request = 1"],
        ['    cpu_request = "1"'],
    ),
    ("05-wrong-value-types.toml", 19): (
        ['    poll_timeout = "600"'],
        ["    poll_timeout = 600"],
    ),
    ("05-wrong-value-types.toml", 21): (
        ['    privileged = "true"'],
        ["    privileged = true"],
    ),
    ("05-wrong-value-types.toml", 23): (
        ['    pod_annotations = ["k8s.aliyun.com/eci-spot-strategy=SpotAsPriceGo"]'],
        [
            '    pod_annotations = {"k8s.aliyun.com/eci-spot-strategy" = "SpotAsPriceGo"}'
        ],
    ),
    ("05-wrong-value-types.toml", 26): (
        ["      [runners.kubernetes.volumes.pvc]"],
        ["      [[runners.kubernetes.volumes.pvc]]"],
    ),
    ("09-concurrent-vs-limit.toml", 12): (["concurrent = 1"], ["concurrent = 10"]),
    ("16-eci-annotation-typos.toml", 18): (
        ['      "k8s.aliyun.com/eci-spot-stratergy" = "SpotAsPriceGo"'],
        ['      "k8s.aliyun.com/eci-spot-strategy" = "SpotAsPriceGo"'],
    ),
    ("16-eci-annotation-typos.toml", 30): (
        ['      "k8s.aliyun.com/eci-spot-duration" = 0'],
        ['      "k8s.aliyun.com/eci-spot-duration" = "0"'],
    ),
}


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def test_every_toml_case_file_is_covered():
    assert sorted(p.name for p in CASES.glob("*.toml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_case_findings_are_named_with_their_line(name):
    """Each problem of the case is found, at file:line:col of the offending key."""
    text = (CASES / name).read_text()
    findings = lint_config(text, name)
    assert [(f.code, f.line) for f in findings] == EXPECTED[name]
    for f in findings:
        file, line, col = f.problem.field.rsplit(":", 2)
        assert file == name and int(line) == f.line and int(col) >= 1
        assert f.problem.message


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fix_changes_only_its_own_lines(name):
    """Applying one accepted fix alters exactly its lines and clears only its finding."""
    text = (CASES / name).read_text()
    findings = lint_config(text, name)
    for f in findings:
        if f.fix is None:
            assert (name, f.line) not in FIX_DIFFS or f.code == "swallowed-key"
            continue
        after = apply_fixes(text, [f])
        if (name, f.line) in FIX_DIFFS:
            assert changed_lines(text, after) == FIX_DIFFS[(name, f.line)]
        else:
            removed, added = changed_lines(text, after)
            assert len(removed) <= 3 and len(added) <= 3, (f.code, removed, added)
        remaining = [(g.code, g.problem.message) for g in lint_config(after, name)]
        others = [(g.code, g.problem.message) for g in findings if g is not f]
        if f.code != "empty-runner":  # a removal renumbers the entries after it
            assert remaining == others
        assert len(remaining) == len(findings) - 1


def test_all_fixes_of_a_file_together_leave_only_unfixable_findings():
    text = (CASES / "05-wrong-value-types.toml").read_text()
    after = apply_fixes(text, lint_config(text))
    left = lint_config(after)
    assert [(f.code, f.line) for f in left] == [("wrong-type", 17)]
    assert left[0].fix is None  # memory_request = 2: the unit is never guessed
    assert "memory_request = 2" in after


def test_moving_every_swallowed_key_gives_the_intended_table():
    text = (CASES / "02-cache-keys-after-subtable.toml").read_text()
    after = apply_fixes(text, lint_config(text))
    cache = tomlkit.parse(after)["runners"][0]["cache"].unwrap()
    assert cache == {
        "Type": "gcs",
        "Path": "runner",
        "Shared": True,
        "MaxUploadedArchiveSize": 0,
        "gcs": {"BucketName": "ci-cache-bucket"},
    }
    assert lint_config(after) == []
    assert after.startswith(text.split("[runners.cache]")[0])  # comments kept


def test_yaml_colon_says_toml_uses_equals():
    text = (CASES / "01-yaml-colon-in-toml.toml").read_text()
    with pytest.raises(MalformedFileError) as err:
        parse_config(text, "01.toml")
    problem = err.value.problem
    assert problem.field == "01.toml:16:18"
    assert "TOML uses '='" in problem.message
    assert "run_as_user = 1000" in problem.message


def test_duplicate_table_header_names_both_places():
    text = (CASES / "03-duplicate-table-header.toml").read_text()
    [finding] = lint_config(text, "03.toml")
    assert finding.problem.field == "03.toml:15:3"
    assert "[runners.feature_flags]" in finding.problem.message
    assert "line 11 and line 15" in finding.problem.message


def test_unquoted_annotation_name_hint():
    text = (CASES / "04-annotation-keys-unquoted.toml").read_text()
    [finding] = lint_config(text, "04.toml")
    assert finding.problem.field == "04.toml:14:21"
    assert "annotation and label names must be quoted" in finding.problem.message
    assert '"k8s.aliyun.com/eci-spot-strategy"' in finding.problem.message


def test_memory_number_has_no_fix_but_cpu_number_has():
    text = (CASES / "05-wrong-value-types.toml").read_text()
    by_line = {f.line: f for f in lint_config(text)}
    assert by_line[16].fix is not None and "cpu_request" in by_line[16].problem.message
    assert by_line[17].fix is None
    assert "cannot be guessed" in by_line[17].problem.message


def test_shared_token_is_masked_and_names_both_entries():
    text = (CASES / "03-duplicate-runners-with-comments.toml").read_text()
    shared = [f for f in lint_config(text) if f.code == "shared-token"][0]
    assert "glrt-FAKEdupl1cate0000000" not in shared.problem.message
    assert "host-a-shell, line 9" in shared.problem.message
    assert shared.fix is None  # different entries: which to drop is the operator's call


def test_an_exact_duplicate_entry_can_be_removed():
    entry = '[[runners]]\n  name = "a"\n  token = "glrt-same"\n  executor = "shell"\n'
    text = "concurrent = 2\n\n" + entry + "\n" + entry
    [finding] = lint_config(text)
    assert finding.code == "shared-token" and finding.line == 8
    after = apply_fixes(text, [finding])
    assert after == "concurrent = 2\n\n" + entry + "\n"


def test_eci_typo_and_bad_formats():
    text = (CASES / "16-eci-annotation-typos.toml").read_text()
    msgs = {f.line: f.problem.message for f in lint_config(text)}
    assert "did you mean k8s.aliyun.com/eci-spot-strategy?" in msgs[18]
    assert "'2C4G' is not an ECI size; write 2-4Gi" in msgs[19]
    assert "needs k8s.aliyun.com/eci-spot-price-limit" in msgs[29]
    assert "must be quoted" in msgs[30]


def test_other_lint_rules():
    text = "\n".join(
        [
            "concurrent = 2",
            'listen_adress = ":9252"',
            "[[runners]]",
            '  name = "r"',
            '  token = "glrt-x"',
            "  unhealthy_interval = 3600",
            '  pre_clone_script = "echo"',
            "  [runners.kubernetes]",
            '    NameSpace = "ci"',
            '    memory_limit = "6GB"',
            '    cleanup_resources_timeout = "5 minutes"',
            "    [runners.kubernetes.pod_labels]",
            '      "alibabacloud.com/compute-qos" = "spot"',
            "",
        ]
    )
    got = {(f.code, f.line): f for f in lint_config(text)}
    assert set(got) == {
        ("unknown-key", 2),
        ("bare-duration", 6),
        ("removed-key", 7),
        ("bad-quantity", 10),
        ("bad-duration", 11),
        ("bad-label", 13),
    }
    assert "did you mean listen_address?" in got[("unknown-key", 2)].problem.message
    assert "nanoseconds" in got[("bare-duration", 6)].problem.message
    assert got[("bare-duration", 6)].fix is None  # a unit is never guessed
    assert got[("unknown-key", 2)].problem.level == "warning"
    renamed = apply_fixes(text, [got[("unknown-key", 2)]])
    assert changed_lines(text, renamed) == (
        ['listen_adress = ":9252"'],
        ['listen_address = ":9252"'],
    )


def test_reference_fixtures_are_clean():
    for path in FIXTURES.glob("*.toml"):
        assert lint_config(path.read_text()) == [], path.name


def test_positions_follow_arrays_of_tables_and_multiline_values():
    text = (
        '[[runners]]\n  name = "a"\n  environment = [\n    "A=1",\n    "B=2",\n  ]\n'
        '  description = """\nmulti\n[not.a.header]\n"""\n'
        "[[runners]]\n  name = 'b'\n  [runners.kubernetes]\n    image = \"x\"\n"
    )
    pos = scan_positions(text)
    assert pos.find(("runners", 0, "name")) == (2, 3)
    assert pos.find(("runners", 1)) == (11, 1)
    assert pos.find(("runners", 1, "name")) == (12, 3)
    assert pos.find(("runners", 1, "kubernetes", "image")) == (14, 5)
    assert ("not",) not in pos.places


def test_shipped_key_table_is_the_reference_copy():
    shipped = Path(keys.__file__).parent / "data" / keys.TABLE_FILE
    reference = SHARED / "reference" / "gitlab-runner-config-keys.tsv"
    assert shipped.read_bytes() == reference.read_bytes()


def test_key_table_parses_types_and_deprecation():
    table = keys.key_table()
    assert table["runners.kubernetes.cpu_request"] == ("string", "no")
    assert table["runners.kubernetes.pod_annotations"].toml_type == "table<string>"
    assert table["runners.kubernetes.volumes.pvc"].toml_type == "array-of-tables"
    assert table["runners.pre_clone_script"].deprecated == "removed"
    assert "key" not in table and not any(k.startswith("#") for k in table)
    assert "namespace" in keys.children("runners.kubernetes")


def test_answers_run_reports_lint_findings_and_still_writes(
    answers_file, tmp_path, capsys
):
    """The non-interactive path shows what the runner would ignore; it fixes nothing."""
    from wizard import cli

    path = answers_file()
    config = tmp_path / "etc" / "config.toml"
    config.write_text(
        config.read_text() + '\n[[runners]]\n  name = "other"\n  limt = 3\n'
    )
    assert cli.main(["--answers", str(path), "--yes", "--offline"]) == 0
    err = capsys.readouterr().err
    assert f"{config}:" in err and "did you mean limit?" in err
    assert "limt = 3" in config.read_text()  # reported, never changed unasked


def test_lint_never_crashes_and_positions_stay_in_the_file():
    """Random documents built from real and misspelled key names: findings only, no crash."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    names = st.sampled_from(
        [
            "runners",
            "kubernetes",
            "cache",
            "pod_annotations",
            "volumes",
            "pvc",
            "concurrent",
            "limit",
            "name",
            "token",
            "cpu_request",
            "environment",
            "namespace",
            "Type",
            "s3",
            "gcs",
            "k8s.aliyun.com/eci-spot-strategy",
            "poll_timeout",
            "unhealthy_interval",
            "x",
        ]
    )
    scalars = st.one_of(
        st.integers(-3, 3), st.text("ab=1.", max_size=6), st.booleans(), st.floats(0, 2)
    )
    values = st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(names, inner, max_size=4)
        ),
        max_leaves=12,
    )

    @settings(max_examples=150, deadline=None)
    @given(st.dictionaries(names, values, max_size=5))
    def check(data):
        text = tomlkit.dumps(data)
        for finding in lint_config(text, "f.toml"):
            _, line, col = finding.problem.field.rsplit(":", 2)
            assert 1 <= int(line) <= max(1, len(text.splitlines()))
            assert int(col) >= 1
            if finding.fix is not None:
                tomlkit.parse(apply_fixes(text, [finding]))
        tomlkit.parse(apply_fixes(text, lint_config(text)))  # all accepted at once

    check()
