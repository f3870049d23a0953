"""Field checks as tables (hostile input included), and step checks on real cases."""

from __future__ import annotations

import pytest

from wizard import validate as v
from wizard.model import STEPS, Answers
from wizard.secret import Secret

HOSTILE = ["\n", "x\n", "a\x00b", "😀", "；", " " * 3, "a" * 5000, "../../etc/passwd"]


def table(check, good, bad, **kw):
    for value in good:
        assert check(value, **kw) is None, value
    for value in bad:
        message = check(value, **kw)
        assert message, f"{value!r} was accepted"
        assert len(message.splitlines()) == 1


def test_check_url():
    table(
        v.check_url,
        ["https://gitlab.example.com", "http://127.0.0.1:8080", "https://h/gitlab"],
        [
            "",
            "gitlab.example.com",
            "ftp://h",
            "https://",
            "https://h?x=1",
            "https://h:99999",
        ]
        + HOSTILE,
    )
    assert "write https://gitlab.example.com" in v.check_url("gitlab.example.com")
    assert "write it like https://" in v.check_url("/typed")


def test_check_token_and_kind():
    table(
        v.check_token,
        ["", "glrt-" + "a" * 20, "GR1348941abcdefgh", "a1b2c3d4e5f6"],
        ["glpat-abcdefghijkl", "glrt-x", "abc", "glrt-aaaa aaaaaaaaaaaaaaaaaa"],
    )
    assert v.token_kind("glrt-abc") == "runner"
    assert v.token_kind("GR1348941abc") == "registration"
    assert v.token_kind("") == ""


def test_check_namespace():
    table(
        v.check_namespace,
        ["default", "ci", "ci-jobs-1", "a" * 63],
        ["", "CI", "ci_jobs", "-ci", "ci-", "a" * 64, "ci.jobs"] + HOSTILE,
    )


def test_check_bucket():
    table(
        v.check_bucket,
        ["abc", "gitlab-runner-cache", "a1-b2", "a" * 63],
        ["", "ab", "My_Bucket", "-abc", "abc-", "a" * 64, "a.b.c", "ABC"] + HOSTILE,
    )
    assert "such as my-bucket" in v.check_bucket("My_Bucket")


@pytest.mark.parametrize(
    ("value", "kind", "fix"),
    [
        ("6GB", "memory", "6Gi"),
        ("6gb", "memory", "6Gi"),
        ("512MB", "memory", "512Mi"),
        ("512m", "memory", "512Mi"),
        ("6", "memory", "add a unit"),
        ("2C", "cpu", "write 2"),
        ("2Gi", "cpu", "cores"),
        ("0", "cpu", "more than zero"),
        ("-1", "cpu", "more than zero"),
    ],
)
def test_quantity_errors_name_the_fix(value, kind, fix):
    assert fix in v.check_quantity(value, kind)


def test_check_quantity_table():
    table(
        v.check_quantity,
        ["", "2", "250m", "0.5", "1e3"],
        ["2 cores", "x"] + HOSTILE[:-1],
        kind="cpu",
    )
    table(
        v.check_quantity,
        ["", "6Gi", "512Mi", "1G", "1048576"],
        ["6 Gi", "Gi"] + HOSTILE,
        kind="memory",
    )


def test_check_price_limit():
    table(
        v.check_price_limit,
        ["0.1", "1", "0.125", "12.5"],
        ["", "0.1234", "-1", "0", "0.000", "1,5", "abc", ".5"] + HOSTILE,
    )
    assert "at most 3" in v.check_price_limit("0.1234")


def test_check_spot_strategy():
    table(
        v.check_spot_strategy,
        ["on-demand", "market", "cap"],
        ["", "spot", "Market"] + HOSTILE,
    )
    assert "'market'" in v.check_spot_strategy("SpotAsPriceGo")
    assert "'cap'" in v.check_spot_strategy("SpotWithPriceLimit")


def test_check_mirror_url():
    table(
        v.check_mirror_url,
        ["", "https://abcd.mirror.aliyuncs.com", "http://127.0.0.1:5000/"],
        ["abcd.mirror.aliyuncs.com", "https://h/path", "https://", "https://h?q"]
        + HOSTILE[1:],
    )


def test_check_image_ref():
    table(
        v.check_image_ref,
        [
            "",
            "alpine",
            "alpine:3.20",
            "registry-vpc.cn-hangzhou.aliyuncs.com/team/jdk:17",
            "localhost:5000/a/b@sha256:" + "a" * 64,
        ],
        ["Alpine", "a b", "a:", "reg/a:tag:x", "a@sha256:xyz"] + HOSTILE[1:],
    )


def test_check_helper_image():
    good = "registry.example.com/gitlab-runner-helper:x86_64-v17.3.1"
    assert v.check_helper_image(good, "17.3.1", "x86_64") is None
    assert (
        v.check_helper_image(
            "r.example.com/h:alpine3.19-arm64-v17.3.1", "17.3.1", "arm64"
        )
        is None
    )
    assert "17.3.1" in v.check_helper_image("r.example.com/h:latest", "17.3.1")
    assert "is for x86_64" in v.check_helper_image(good, "17.3.1", "arm64")
    assert "runner is 17.4.0" in v.check_helper_image(good, "17.4.0", "x86_64")


def test_check_specs():
    table(
        v.check_specs,
        ["", "2-4Gi", "2-4Gi,ecs.c6.xlarge", "0.5-1Gi", "ecs.c8y.large,ecs.g8y.large"],
        [
            "2C4G",
            "2-4G",
            "ecs.c6",
            "1-2Gi,2-4Gi,4-8Gi,8-16Gi,16-32Gi,32-64Gi",
            "ecs.c8y.large,ecs.c6.large",
        ]
        + HOSTILE[:-1],
        kind="ask",
    )
    assert "write 2-4Gi" in v.check_specs("2C4G")
    assert v.check_specs("3-7Gi") == "ECI has no 3-7Gi size; the nearest one is 4-8Gi"
    assert v.check_specs("2-6Gi") is None  # offered in some regions (warned for spot)
    assert "larger than any" in v.check_specs("128-1024Gi")
    assert v.check_specs("3.5-8Gi", "acs") is None
    assert v.check_specs("3.25-8Gi", "acs") == (
        "ACS has no 3.25-8Gi size; the nearest one is 3.5-8Gi"
    )
    assert "mixes ARM and x86" in v.check_specs("ecs.c8y.large,ecs.c6.large")
    assert v.check_specs("2-4Gi", "acs") is None
    assert "ACS takes one size" in v.check_specs("2-4Gi,4-8Gi", "acs")


def test_nearest_suggestions():
    assert "did you mean market" in v.check_choice(
        "markte", ("on-demand", "market", "cap"), "spot strategy"
    )


# --- steps -----------------------------------------------------------------


def good_answers(examples_dir) -> Answers:
    from wizard.answers import load_answers

    return load_answers(examples_dir / "writeup.answers.toml")


def by_level(problems, level):
    return {p.field: p.message for p in problems if p.level == level}


def test_every_step_has_a_check_and_the_example_is_clean(examples_dir):
    a = good_answers(examples_dir)
    for step in STEPS:
        errors = by_level(v.validate_step(a, step), "error")
        assert errors == {}, step
    with pytest.raises(ValueError):
        v.validate_step(a, "nowhere")


def test_case_10_needs_a_context_pick(examples_dir, cases_dir):
    a = good_answers(examples_dir)
    a.cluster.kubeconfig = Secret(
        (cases_dir / "10-empty-current-context.kubeconfig.yaml").read_text()
    )
    a.cluster.context = ""
    errors = by_level(v.validate_step(a, "cluster"), "error")
    assert errors == {
        "cluster.context": "the kubeconfig has no current context; pick one of: prod, staging"
    }
    a.cluster.context = "stagin"
    assert (
        "did you mean staging"
        in by_level(v.validate_step(a, "cluster"), "error")["cluster.context"]
    )
    a.cluster.context = "staging"
    assert by_level(v.validate_step(a, "cluster"), "error") == {}


def test_case_13_warnings_reach_the_step(examples_dir, cases_dir):
    a = good_answers(examples_dir)
    a.cluster.kubeconfig = None
    a.cluster.kubeconfig_path = str(
        cases_dir / "13-user-empty-insecure.kubeconfig.yaml"
    )
    a.cluster.context = ""
    problems = v.validate_step(a, "cluster")
    warnings = [p for p in problems if p.level == "warning"]
    assert len(warnings) == 3 and all(
        p.field == "cluster.kubeconfig_path" for p in warnings
    )
    assert not [p for p in problems if p.level == "error"]


def test_case_17_no_egress_requires_an_exact_helper_image(examples_dir):
    a = good_answers(examples_dir)
    a.networking.egress = "none"
    a.images.image = "node:20"
    problems = v.validate_step(a, "networking")
    assert "give a helper_image" in by_level(problems, "error")["images.helper_image"]
    assert "Docker Hub" in by_level(problems, "warning")["images.image"]
    a.images.helper_image = "registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:x86_64-v17.3.1"
    errors = by_level(v.validate_step(a, "networking"), "error")
    assert "registry.gitlab.com" in errors["images.helper_image"]
    assert "runner version" in errors["images.runner_version"]
    a.images.helper_image = (
        "registry-vpc.cn-hangzhou.aliyuncs.com/ci/gitlab-runner-helper:x86_64-v17.3.1"
    )
    a.images.runner_version = "17.3.1"
    assert by_level(v.validate_step(a, "networking"), "error") == {}


def test_case_18_arm_types_need_arm_images(examples_dir):
    a = good_answers(examples_dir)
    a.resources.specs = "ecs.c8y.large,ecs.g8y.large"
    errors = by_level(v.validate_step(a, "resources"), "error")
    assert "set images.arch = 'arm64'" in errors["resources.specs"]
    a.images.arch = "arm64"
    a.images.runner_version = "17.3.1"
    a.images.helper_image = (
        "registry.example.com/mirror/gitlab-runner-helper:x86_64-v17.3.1"
    )
    assert (
        "is for x86_64"
        in by_level(v.validate_step(a, "images"), "error")["images.helper_image"]
    )
    assert by_level(v.validate_step(a, "resources"), "error") == {}


def test_spot_rules_per_cluster_kind(examples_dir):
    a = good_answers(examples_dir)
    a.spot.strategy = "cap"
    a.spot.price_limit = ""
    assert "spot.price_limit" in by_level(v.validate_step(a, "spot"), "error")
    a.cluster.kind = "acs"
    assert (
        "fixed price" in by_level(v.validate_step(a, "spot"), "error")["spot.strategy"]
    )
    a.spot.strategy = "market"
    assert "evicted" in by_level(v.validate_step(a, "spot"), "warning")["spot.strategy"]


def test_eip_is_eci_only_and_costed(examples_dir):
    a = good_answers(examples_dir)
    a.networking.egress = "eip"
    problems = v.validate_step(a, "networking")
    assert "billed" in by_level(problems, "warning")["networking.egress"]
    assert by_level(problems, "error") == {}
    a.cluster.kind = "acs"
    assert (
        "NAT gateway"
        in by_level(v.validate_step(a, "networking"), "error")["networking.egress"]
    )


def test_cache_rules(examples_dir):
    a = good_answers(examples_dir)
    a.cache.mode = "flexvolume"
    assert "1.20" in by_level(v.validate_step(a, "cache"), "warning")["cache.mode"]
    a.cache.mode = "off"
    a.cache.bucket = "My_Bucket"
    assert v.validate_step(a, "cache") == []
    a.cache.mode = "s3"
    assert "cache.bucket" in by_level(v.validate_step(a, "cache"), "error")


def test_registration_rules(examples_dir):
    a = good_answers(examples_dir)
    a.registration.token = Secret("glrt-" + "a" * 20)
    assert (
        "from GitLab"
        in by_level(v.validate_step(a, "registration"), "warning")["registration.tags"]
    )
    a.registration.token = Secret("GR1348941abcdefgh")
    warnings = by_level(v.validate_step(a, "registration"), "warning")
    assert "deprecated" in warnings["registration.token"]
    a.target.mode = "new"
    a.registration.name = ""
    assert "registration.name" in by_level(v.validate_step(a, "registration"), "error")


def test_resource_limit_below_request(examples_dir):
    a = good_answers(examples_dir)
    a.resources.memory_limit = "4Gi"
    assert (
        "below the request"
        in by_level(v.validate_step(a, "resources"), "error")["resources.memory_limit"]
    )


def test_validate_answers_covers_every_step(examples_dir):
    a = Answers()
    fields = {
        p.field.split(".")[0] for p in v.validate_answers(a) if p.level == "error"
    }
    assert {"registration", "cluster", "cache"} <= fields


def test_target_paths(tmp_path):
    a = Answers()
    a.target.mode = "edit"
    assert "target.runner" in by_level(v.validate_step(a, "target"), "error")
    a.target.runner = "k8s"
    a.target.config = str(tmp_path)
    (tmp_path / "f").write_text("")
    a.target.out_dir = str(tmp_path / "f")
    errors = by_level(v.validate_step(a, "target"), "error")
    assert "is a folder" in errors["target.config"]
    assert "is a file" in errors["target.out_dir"]
    a.target.mode = "replace"
    errors = by_level(v.validate_step(a, "target"), "error")
    assert "use one of: edit, new" in errors["target.mode"]
