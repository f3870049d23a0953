"""Hypothesis fuzz: parsers and validators fail only with the product's own errors."""

from __future__ import annotations

import contextlib
import json
import string

import pytest
import tomlkit
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wizard import validate as V
from wizard.answers import answers_from_data, read_answers
from wizard.kubeconfig import KubeconfigError, parse_kubeconfig
from wizard.lint import MalformedFileError, apply_fixes, lint_config, parse_config
from wizard.model import CLUSTER_KINDS, SECTIONS, STEPS, Answers
from wizard.problems import InvalidAnswers, Problem
from wizard.secret import Secret
from wizard.write.configtoml import ClusterAccess, merge_config
from wizard.write.daemon import merge_daemon_json

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Text a terminal paste or an answers file can carry: every code point, plus
# a bias towards the characters these grammars care about.
GRAMMAR = string.ascii_letters + string.digits + " -_.:/@=[]{}\"',#\n\t\\*~!$%^&?"
texts = st.one_of(st.text(), st.text(alphabet=GRAMMAR), st.text(max_size=3))

STRING_CHECKS = [
    V.check_url,
    V.check_token,
    V.check_runner_name,
    V.check_namespace,
    V.check_k8s_name,
    V.check_bucket,
    V.check_region,
    V.check_oss_endpoint,
    V.check_abs_path,
    V.check_price_limit,
    V.check_spot_strategy,
    V.check_mirror_url,
    V.check_image_ref,
    V.check_runner_version,
    V.check_helper_image,
    V.check_specs,
    V.check_access_key_id,
    V.check_kubeconfig_text,
]


def is_message(result: object) -> bool:
    """A check's answer: nothing, or one non-empty line of text."""
    return result is None or (isinstance(result, str) and result.strip() != "")


@pytest.mark.parametrize("check", STRING_CHECKS, ids=lambda f: f.__name__)
@FUZZ
@given(value=texts)
def test_string_checks_return_a_message_or_none(check, value):
    assert is_message(check(value))


@FUZZ
@given(value=texts, kind=st.sampled_from(["cpu", "memory"]))
def test_quantities(value, kind):
    assert is_message(V.check_quantity(value, kind))


@FUZZ
@given(value=texts, kind=st.sampled_from(CLUSTER_KINDS))
def test_specs_for_every_cluster_kind(value, kind):
    assert is_message(V.check_specs(value, kind))
    assert V.specs_arch(value) in ("", "arm64", "x86_64")


@FUZZ
@given(value=texts, version=texts, arch=st.sampled_from(["", "x86_64", "arm64"]))
def test_helper_image_against_versions(value, version, arch):
    assert is_message(V.check_helper_image(value, version, arch))


@FUZZ
@given(value=texts, bucket=texts)
def test_oss_endpoint_with_bucket(value, bucket):
    assert is_message(V.check_oss_endpoint(value, bucket))


@FUZZ
@given(tags=st.lists(texts, max_size=6))
def test_tags(tags):
    assert is_message(V.check_tags(tags))


@FUZZ
@given(value=st.one_of(st.integers(), st.booleans()))
def test_integer_fields(value):
    assert is_message(V.check_protection_hours(value))
    assert is_message(V.check_eip_bandwidth(value))


@FUZZ
@given(text=texts)
def test_kubeconfig_text_raises_only_kubeconfig_error(text):
    try:
        info = parse_kubeconfig(text)
    except KubeconfigError as exc:
        assert str(exc).strip()
    else:
        assert all(isinstance(c.name, str) for c in info.contexts)


# Values YAML and TOML can both carry, nested a little.
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(texts, inner, max_size=4),
    ),
    max_leaves=12,
)
KUBE_KEYS = st.sampled_from(
    [
        "apiVersion",
        "kind",
        "clusters",
        "contexts",
        "users",
        "current-context",
        "cluster",
        "user",
        "context",
        "name",
        "server",
        "token",
        "namespace",
        "insecure-skip-tls-verify",
        "client-certificate-data",
        "exec",
    ]
)
kube_like = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(KUBE_KEYS, inner, max_size=5),
    ),
    max_leaves=25,
)


@FUZZ
@given(data=kube_like)
def test_kubeconfig_shaped_yaml_raises_only_kubeconfig_error(data):
    """Structures that look like a kubeconfig but have the wrong shapes."""
    text = yaml.safe_dump(data)
    with contextlib.suppress(KubeconfigError):
        parse_kubeconfig(text)


@FUZZ
@given(text=texts)
def test_config_toml_text_lints_without_raising(text):
    findings = lint_config(text)
    assert all(isinstance(f.problem, Problem) for f in findings)
    try:
        parse_config(text)
    except MalformedFileError as exc:
        assert exc.problem.field.startswith("config.toml:")


RUNNER_KEYS = st.sampled_from(
    [
        "name",
        "url",
        "token",
        "executor",
        "limit",
        "environment",
        "cpu_request",
        "memory_limit",
        "helper_image",
        "pod_annotations",
        "node_selector",
        "volumes",
        "pvc",
        "cache",
        "Type",
        "Shared",
        "s3",
        "gcs",
        "k8s.aliyun.com/eci-use-specs",
        "k8s.aliyun.com/eci-spot-strategy",
        "poll_timeout",
    ]
)
toml_scalars = st.one_of(
    st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False), texts
)
runner_like = st.recursive(
    toml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(RUNNER_KEYS, inner, max_size=5),
    ),
    max_leaves=20,
)


@FUZZ
@given(
    concurrent=st.one_of(toml_scalars, st.none()),
    runners=st.lists(st.dictionaries(RUNNER_KEYS, runner_like, max_size=6), max_size=3),
    kube=st.dictionaries(RUNNER_KEYS, runner_like, max_size=6),
)
def test_config_toml_shapes_lint_and_fix_without_raising(concurrent, runners, kube):
    """Valid TOML, wrong shapes: lint finds, fixes apply, nothing raises."""
    doc: dict = {"runners": [dict(r, kubernetes=kube) for r in runners]}
    if concurrent is not None:
        doc["concurrent"] = concurrent
    text = tomlkit.dumps(doc)
    findings = lint_config(text)
    fixed = apply_fixes(text, findings)
    assert isinstance(fixed, str)
    lint_config(fixed)


answer_keys = st.one_of(texts, st.sampled_from(SECTIONS))


def field_names() -> list[str]:
    import dataclasses

    answers = Answers()
    return sorted(
        {f.name for s in SECTIONS for f in dataclasses.fields(getattr(answers, s))}
    )


answers_data = st.dictionaries(
    answer_keys,
    st.one_of(
        st.dictionaries(st.one_of(st.sampled_from(field_names()), texts), values),
        values,
    ),
    max_size=6,
)


@FUZZ
@given(data=answers_data)
def test_answers_data_yields_problems_never_exceptions(data, tmp_path):
    answers, problems = answers_from_data(data, base=tmp_path)
    assert all(isinstance(p, Problem) for p in problems)
    for step in STEPS:
        assert all(isinstance(p, Problem) for p in V.validate_step(answers, step))
    assert all(isinstance(p, Problem) for p in V.validate_answers(answers))


@FUZZ
@given(text=texts)
def test_answers_file_text_raises_only_invalid_answers(text, tmp_path):
    path = tmp_path / "answers.toml"
    path.write_text(text, encoding="utf-8")
    try:
        answers, problems = read_answers(path)
    except InvalidAnswers as exc:
        assert exc.problems
    else:
        V.validate_answers(answers)


json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(texts, st.just("registry-mirrors")), inner, max_size=4
        ),
    ),
    max_leaves=12,
)


@FUZZ
@given(text=st.one_of(texts, json_values.map(json.dumps)), mirror=texts)
def test_daemon_json_merge_raises_only_invalid_answers(text, mirror):
    try:
        merged = merge_daemon_json(text, mirror)
    except InvalidAnswers as exc:
        assert exc.problems
    else:
        assert json.loads(merged)["registry-mirrors"]


def merge_answers() -> Answers:
    answers = Answers()
    answers.registration.url = "https://gitlab.example.com"
    answers.registration.token = Secret("glrt-FAKEtoken0123456789ab")
    answers.registration.name = "fuzz-runner"
    answers.cache.bucket = "gitlab-cache-bucket"
    answers.cache.region = "cn-hangzhou"
    return answers


TOP_KEYS = st.sampled_from(["concurrent", "check_interval", "runners", "log_level"])


@FUZZ
@given(
    text=texts,
    runners=st.lists(st.dictionaries(RUNNER_KEYS, runner_like, max_size=6), max_size=3),
    top=st.dictionaries(TOP_KEYS, runner_like, max_size=3),
    mode=st.sampled_from(["new", "edit"]),
)
# Found by this test: an inline empty array gave a merged text that no longer
# parsed, and a [runners] table or a string crashed the merge.
@example(text="runners = []\n", runners=[], top={}, mode="new")
@example(text="[runners]\nname = 'x'\n", runners=[], top={}, mode="new")
@example(text='runners = "none"\n', runners=[], top={}, mode="new")
def test_config_merge_raises_only_invalid_answers(text, runners, top, mode):
    """Arbitrary text, then valid TOML of wrong shapes: merged or refused."""
    answers = merge_answers()
    answers.target.mode = mode
    answers.target.runner = "fuzz-runner" if mode == "edit" else ""
    doc = dict(top)
    if runners:
        doc["runners"] = [dict(r, name="fuzz-runner") for r in runners]
    for candidate in (text, tomlkit.dumps(doc)):
        try:
            result = merge_config(candidate, answers, ClusterAccess())
        except InvalidAnswers as exc:
            assert exc.problems
        else:
            tomlkit.parse(result.text)
