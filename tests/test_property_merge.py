"""Property: merging answers keeps every byte the wizard does not own, and twice is once."""

from __future__ import annotations

import difflib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.lint import parse_config, scan_positions
from wizard.model import Answers
from wizard.secret import Secret
from wizard.write.configtoml import OWNED, ClusterAccess, merge_config

WORDS = st.sampled_from(["alpha", "beta", "gamma", "delta", "omega", "ci", "ops"])
SCALARS = st.one_of(
    st.integers(min_value=-5, max_value=99999).map(str),
    WORDS.map(lambda w: f'"{w}"'),
    st.booleans().map(lambda b: "true" if b else "false"),
)
COMMENT = WORDS.map(lambda w: f"# keep this note about {w}")
# Map tables the wizard writes into, with a foreign key that must stay.
MAPS = {
    "pod_annotations": '"example.com/team" = "platform"',
    "pod_labels": '"team" = "ci"',
    "node_selector": '"disk" = "ssd"',
}


@st.composite
def runner_entry(draw, name: str) -> list[str]:
    executor = draw(st.sampled_from(["kubernetes", "kubernetes", "shell", "docker"]))
    lines = ["[[runners]]"]
    if draw(st.booleans()):
        lines.append("  " + draw(COMMENT))
    lines += [
        f'  name = "{name}"',
        '  url = "https://gitlab.example.com"',
        f'  token = "glrt-{name}-{draw(st.integers(0, 999))}"',
        f'  executor = "{executor}"',
    ]
    for i in range(draw(st.integers(0, 2))):
        lines.append(f"  x_{draw(WORDS)}_{i} = {draw(SCALARS)}  {draw(COMMENT)}")
    if draw(st.booleans()):
        lines.append('  environment = ["LANG=C.UTF-8", "TZ=UTC"]')
    if executor != "kubernetes":
        return lines
    lines.append("  [runners.kubernetes]")
    lines.append(f'    namespace = "{draw(WORDS)}"')
    if draw(st.booleans()):
        lines.append('    cpu_request = "1"')
    if draw(st.booleans()):
        lines.append(f"    x_tuning = {draw(SCALARS)}")
    for table, foreign in MAPS.items():
        if draw(st.booleans()):
            if draw(st.booleans()):
                lines.append("    " + draw(COMMENT))
            lines.append(f"    [runners.kubernetes.{table}]")
            lines.append("      " + foreign)
            if table == "pod_annotations" and draw(st.booleans()):
                lines.append(
                    '      "k8s.aliyun.com/eci-spot-strategy" = "SpotAsPriceGo"'
                )
            if draw(st.booleans()):
                lines.append("")  # hand-kept files often leave blank lines
    return lines


@st.composite
def config_text(draw) -> tuple[str, list[str]]:
    lines = []
    if draw(st.booleans()):
        lines.append(draw(COMMENT))
    lines.append(f"concurrent = {draw(st.integers(1, 20))}")
    if draw(st.booleans()):
        lines.append(f"x_global = {draw(SCALARS)}")
    lines.append("")
    names = draw(st.lists(WORDS, min_size=1, max_size=4, unique=True))
    for name in names:
        lines += draw(runner_entry(name))
        if draw(st.booleans()):
            lines.append("")
    return "\n".join(lines) + "\n", names


@st.composite
def answers_for(draw, names: list[str]) -> Answers:
    a = Answers()
    if draw(st.booleans()):
        a.target.mode, a.target.runner = "edit", draw(st.sampled_from(names))
    else:
        a.target.mode = "new"
        a.registration.name = "fresh-runner"
    a.registration.url = draw(
        st.sampled_from(["https://gitlab.example.com", "https://g2.example.com"])
    )
    a.registration.runner_token = Secret(
        "glrt-" + draw(st.sampled_from(["aaaa1111", "bbbb2222"]))
    )
    a.cluster.kind = draw(
        st.sampled_from(["ask", "acs", "ack-eci", "ack-acs", "other"])
    )
    a.cluster.namespace = draw(st.sampled_from(["ci", "jobs"]))
    a.spot.strategy = draw(st.sampled_from(["on-demand", "market", "cap"]))
    a.spot.price_limit = "0.5" if a.spot.strategy == "cap" else ""
    a.spot.fallback = draw(st.booleans())
    a.resources.cpu_request = draw(st.sampled_from(["", "2", "500m"]))
    a.resources.memory_request = draw(st.sampled_from(["", "4Gi"]))
    a.resources.specs = draw(st.sampled_from(["", "2-4Gi"]))
    a.networking.service_host_env = draw(st.booleans())
    a.networking.egress = draw(st.sampled_from(["nat", "eip", "none"]))
    a.images.image = draw(st.sampled_from(["", "alpine:3.20"]))
    a.images.arch = draw(st.sampled_from(["x86_64", "arm64"]))
    a.cache.mode = draw(st.sampled_from(["off", "csi", "s3"]))
    a.cache.bucket, a.cache.region = "ci-cache", "cn-hangzhou"
    a.cache.access_key_id, a.cache.access_key_secret = (
        Secret("LTAIid"),
        Secret("aksecret"),
    )
    return a


ACCESS = ClusterAccess(
    host="https://127.0.0.1:6443", ca_file="/w/ca.crt", bearer_token="tok"
)


def owned_line(path: tuple, edited: int) -> bool:
    """True when a line of the original file holds a key the wizard owns in the edited entry."""
    if len(path) < 3 or path[:2] != ("runners", edited):
        return False
    names = [p for p in path[2:] if not isinstance(p, int)]
    table = ".".join(["runners", *names[:-1]])
    return (
        names[-1] in OWNED.get(table, ()) or table == "runners.kubernetes.volumes.pvc"
    )


def line_paths(text: str) -> dict[int, tuple]:
    pos = scan_positions(text)
    return {line: path for path, (line, _col) in pos.places.items()}


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_merge_preserves_unowned_bytes_and_is_idempotent(data):
    text, names = data.draw(config_text())
    answers = data.draw(answers_for(names))
    first = merge_config(text, answers, ACCESS).text

    # Every original line the merge dropped or rewrote holds an owned key.
    edited = names.index(answers.target.runner) if answers.target.mode == "edit" else -1
    paths = line_paths(text)
    old_lines = text.splitlines()
    matcher = difflib.SequenceMatcher(
        None, old_lines, first.splitlines(), autojunk=False
    )
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            for n in range(i1, i2):
                path = paths.get(n + 1)
                assert path is not None and owned_line(path, edited), (
                    f"line {n + 1} changed: {old_lines[n]!r}"
                )

    # Other entries, globals, comments and unknown keys are equal as data too.
    before = parse_config(text).unwrap()
    after = parse_config(first).unwrap()
    for i, entry in enumerate(before["runners"]):
        if i != edited:
            assert after["runners"][i] == entry
    for key, value in before.items():
        if key != "runners":
            assert after[key] == value
    if edited >= 0:
        old, new = before["runners"][edited], after["runners"][edited]
        for key, value in old.items():
            if key.startswith("x_"):
                assert new[key] == value
        for entry in old.get("environment", []):
            assert entry in new["environment"]
        for table, foreign in MAPS.items():
            if table in old.get("kubernetes", {}):
                key = foreign.split(" = ")[0].strip('"')
                assert new["kubernetes"][table][key] == old["kubernetes"][table][key]
    else:
        assert after["runners"][-1]["name"] == "fresh-runner"
        assert len(after["runners"]) == len(before["runners"]) + 1

    # A second application changes nothing: no second entry, nothing repeated.
    if answers.target.mode == "new":
        answers.target.mode, answers.target.runner = "edit", "fresh-runner"
    assert merge_config(first, answers, ACCESS).text == first


def test_blank_line_after_an_annotation_table_does_not_break_the_merge():
    """Found by the property above: a hand-kept blank line after a map table."""
    text = (
        "concurrent = 1\n\n[[runners]]\n"
        '  name = "k8s"\n  url = "https://g"\n  token = "glrt-x"\n'
        '  executor = "kubernetes"\n  [runners.kubernetes]\n    namespace = "ci"\n'
        "    [runners.kubernetes.pod_annotations]\n"
        '      "k8s.aliyun.com/eci-spot-strategy" = "SpotAsPriceGo"\n\n'
        '[[runners]]\n  name = "other"\n  executor = "shell"\n'
    )
    a = Answers()
    a.target.mode, a.target.runner = "edit", "k8s"
    a.registration.url, a.registration.runner_token = "https://g", Secret("glrt-x")
    a.cluster.namespace, a.cache.mode = "ci", "off"
    a.networking.service_host_env = False
    a.spot.strategy, a.spot.price_limit = "cap", "0.25"
    merged = merge_config(text, a, ClusterAccess()).text
    assert '"k8s.aliyun.com/eci-spot-price-limit" = "0.25"' in merged
    assert merged.endswith('[[runners]]\n  name = "other"\n  executor = "shell"\n')
