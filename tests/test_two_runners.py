"""Editing the `k8s` runner of a hand-kept file leaves everything else as it was."""

from __future__ import annotations

import tomllib

import pytest

from wizard.model import Answers
from wizard.write.configtoml import ClusterAccess, merge_config


def k8s_answers(**spot) -> Answers:
    a = Answers()
    a.target.mode = "edit"
    a.target.runner = "k8s"
    a.registration.url = "https://gitlab.example.com/"
    a.cluster.kind = "ack-eci"
    a.cluster.namespace = "ci"
    a.cache.mode = "csi"
    a.cache.bucket = "team-ci-cache"
    a.cache.region = "cn-hangzhou"
    a.resources.cpu_request = "2"
    a.resources.memory_request = "4Gi"
    a.spot.strategy = spot.get("strategy", "market")
    a.spot.price_limit = spot.get("price_limit", "")
    a.spot.fallback = False
    return a


ACCESS = ClusterAccess(
    host="https://192.0.2.30:6443", ca_file="/etc/gitlab-runner/w/ca.crt"
)


@pytest.fixture
def source(fixtures_dir) -> str:
    return (fixtures_dir / "config-two-runners.toml").read_text()


def split_at_k8s(text: str) -> tuple[str, str]:
    """The text before the `k8s` entry, and the entry itself (it is the last one)."""
    start = text.index("[[runners]]", text.index('name = "docs-shell"'))
    return text[:start], text[start:]


def test_text_outside_the_edited_entry_is_byte_identical(source):
    merged = merge_config(source, k8s_answers(), ACCESS).text
    before, _ = split_at_k8s(source)
    after, _ = split_at_k8s(merged)
    assert after == before  # header comment, globals, session_server, docs-shell


def test_other_runner_is_unchanged_as_data(source):
    merged = tomllib.loads(merge_config(source, k8s_answers(), ACCESS).text)
    original = tomllib.loads(source)
    assert merged["runners"][0] == original["runners"][0]
    for key in ("concurrent", "check_interval", "log_level", "session_server"):
        assert merged[key] == original[key]


def test_unowned_keys_and_comments_inside_the_entry_stay(source):
    merged_text = merge_config(source, k8s_answers(), ACCESS).text
    _, entry = split_at_k8s(merged_text)
    for line in (
        "  id = 18",
        '  token = "glrt-BBBBBBBBBBBBBBBBBBBB"',
        "  token_obtained_at = 2024-03-01T08:05:00Z",
        "  token_expires_at = 0001-01-01T00:00:00Z",
        "  output_limit = 8192",
        '    image = "alpine:3.20"',
        "    poll_timeout = 600",
        "    # spot saves about 70% for our short jobs",
        '      "example.com/team" = "platform"',
    ):
        assert line + "\n" in entry, line
    # The comment still sits right above the table it describes.
    assert (
        "# spot saves about 70% for our short jobs\n    [runners.kubernetes.pod_annotations]"
        in entry
    )
    k8s = tomllib.loads(merged_text)["runners"][1]
    assert k8s["kubernetes"]["pod_annotations"]["example.com/team"] == "platform"
    assert k8s["kubernetes"]["image"] == "alpine:3.20"


def test_owned_keys_are_updated(source):
    merged = tomllib.loads(merge_config(source, k8s_answers(), ACCESS).text)
    k8s = merged["runners"][1]
    kube = k8s["kubernetes"]
    assert k8s["environment"] == ["CI_SERVICE_HOST=127.0.0.1"]
    assert kube["host"] == "https://192.0.2.30:6443"
    assert kube["ca_file"] == "/etc/gitlab-runner/w/ca.crt"
    assert kube["cpu_request"] == "2" and kube["memory_request"] == "4Gi"
    assert kube["volumes"]["pvc"] == [
        {"name": "gitlab-cache-pvc", "mount_path": "/cache"}
    ]
    # ACK+ECI placement: the file already uses node selector + toleration, so
    # the wizard keeps that form and adds no eci label on top.
    assert kube["node_selector"] == {"type": "virtual-kubelet"}
    assert kube["node_tolerations"] == {
        "virtual-kubelet.io/provider=alibabacloud": "NoSchedule"
    }
    assert "pod_labels" not in kube


def test_switching_to_market_removes_only_the_wizards_stale_annotations(source):
    capped = merge_config(
        source, k8s_answers(strategy="cap", price_limit="0.25"), ACCESS
    ).text
    annotations = tomllib.loads(capped)["runners"][1]["kubernetes"]["pod_annotations"]
    assert annotations == {
        "k8s.aliyun.com/eci-spot-strategy": "SpotWithPriceLimit",
        "k8s.aliyun.com/eci-spot-price-limit": "0.25",
        "example.com/team": "platform",
    }
    market = merge_config(capped, k8s_answers(strategy="market"), ACCESS)
    annotations = tomllib.loads(market.text)["runners"][1]["kubernetes"][
        "pod_annotations"
    ]
    assert annotations == {
        "k8s.aliyun.com/eci-spot-strategy": "SpotAsPriceGo",
        "example.com/team": "platform",
    }
    assert any("eci-spot-price-limit" in note for note in market.notes)


def test_merging_twice_is_stable(source):
    once = merge_config(source, k8s_answers(), ACCESS).text
    twice = merge_config(once, k8s_answers(), ACCESS).text
    assert twice == once


def test_service_host_entry_is_added_once_beside_existing_entries(source):
    a = k8s_answers()
    a.target.runner = "docs-shell"
    merged = merge_config(source, a, ACCESS)
    docs = tomllib.loads(merged.text)["runners"][0]
    assert docs["environment"] == ["LANG=C.UTF-8", "CI_SERVICE_HOST=127.0.0.1"]
    assert "# the docs build needs a UTF-8 locale" in merged.text
    assert any("executor changed from 'shell'" in n for n in merged.notes)
    again = tomllib.loads(merge_config(merged.text, a, ACCESS).text)["runners"][0]
    assert again["environment"] == ["LANG=C.UTF-8", "CI_SERVICE_HOST=127.0.0.1"]


def test_concurrent_is_never_lowered_nor_zero(source):
    merged = tomllib.loads(merge_config(source, k8s_answers(), ACCESS).text)
    assert merged["concurrent"] == 4
    fresh = merge_config(None, _new_runner(), ACCESS)
    assert tomllib.loads(fresh.text)["concurrent"] == 1


def _new_runner() -> Answers:
    a = k8s_answers()
    a.target.mode = "new"
    a.target.runner = ""
    a.registration.name = "eci"
    from wizard.secret import Secret

    a.registration.token = Secret("glrt-NEWtokenNEWtokenNEW1")
    return a


def test_new_runner_is_appended_and_others_kept(source):
    merged = merge_config(source, _new_runner(), ACCESS).text
    assert merged.startswith(source.rstrip("\n"))
    runners = tomllib.loads(merged)["runners"]
    assert [r["name"] for r in runners] == ["docs-shell", "k8s", "eci"]
    assert runners[2]["token"] == "glrt-NEWtokenNEWtokenNEW1"
    assert runners[2]["executor"] == "kubernetes"


def test_a_new_runner_never_duplicates_an_existing_name(source):
    from wizard.problems import InvalidAnswers

    a = _new_runner()
    a.registration.name = "k8s"
    with pytest.raises(InvalidAnswers) as info:
        merge_config(source, a, ACCESS)
    assert info.value.problems[0].field == "registration.name"


# --- the real-world config cases --------------------------------------------


def test_case_02_s3_keys_land_in_runners_cache_not_in_the_sub_table(cases_dir):
    from wizard.secret import Secret

    a = k8s_answers()
    a.target.runner = "build-runner"
    a.cache.mode = "s3"
    a.cache.access_key_id = Secret("LTAI5tFAKEtestKEYID00")
    a.cache.access_key_secret = Secret("FAKEsecretFAKEsecret")
    text = (cases_dir / "02-cache-keys-after-subtable.toml").read_text()
    cache = tomllib.loads(merge_config(text, a, ACCESS).text)["runners"][0]["cache"]
    assert cache["Type"] == "s3" and "Shared" not in cache
    assert cache["s3"] == {
        "ServerAddress": "oss-cn-hangzhou-internal.aliyuncs.com",
        "AccessKey": "LTAI5tFAKEtestKEYID00",
        "SecretKey": "FAKEsecretFAKEsecret",
        "BucketName": "team-ci-cache",
        "BucketLocation": "cn-hangzhou",
        "PathStyle": False,  # OSS takes virtual-hosted requests only
    }
    # The misplaced keys the user wrote stay where they are (the lint offers the move).
    assert cache["gcs"]["Type"] == "gcs"


def test_case_03_duplicate_names_are_refused_with_their_lines(cases_dir):
    from wizard.problems import InvalidAnswers

    text = (cases_dir / "03-duplicate-runners-with-comments.toml").read_text()
    doubled = text + '\n[[runners]]\n  name = "host-a-shell"\n  url = "https://x"\n'
    a = k8s_answers()
    a.target.runner = "host-a-shell"
    with pytest.raises(InvalidAnswers) as info:
        merge_config(doubled, a, ACCESS)
    message = info.value.problems[0].message
    assert "2 runners named 'host-a-shell'" in message
    assert "(line 9, line 25)" in message  # the entries' [[runners]] headers


def test_case_09_limit_above_concurrent_is_pointed_out(cases_dir):
    a = k8s_answers()
    a.target.runner = "k8s-runner"
    result = merge_config(
        (cases_dir / "09-concurrent-vs-limit.toml").read_text(), a, ACCESS
    )
    assert tomllib.loads(result.text)["concurrent"] == 1
    assert any("limit = 10" in n and "at most 1 job" in n for n in result.notes)


def test_switching_kinds_removes_only_the_wizards_placement_keys(source):
    a = k8s_answers()
    a.cluster.kind = "other"
    merged = merge_config(source, a, ACCESS)
    kube = tomllib.loads(merged.text)["runners"][1]["kubernetes"]
    # No Alibaba keys for "other": the spot annotation, the virtual-node
    # selector and toleration go; the foreign annotation stays.
    assert kube["pod_annotations"] == {"example.com/team": "platform"}
    assert kube["node_selector"] == {}
    assert kube["node_tolerations"] == {}


def test_ack_eci_on_a_fresh_entry_uses_the_label(fixtures_dir):
    a = k8s_answers()
    a.target.runner = "gitlab-k8s"
    text = (fixtures_dir / "config-registered.toml").read_text()
    merged = merge_config(text, a, ACCESS)
    kube = tomllib.loads(merged.text)["runners"][0]["kubernetes"]
    assert kube["pod_labels"] == {"alibabacloud.com/eci": "true"}
    assert "node_selector" not in kube
    assert any("pod label alibabacloud.com/eci=true" in n for n in merged.notes)


def test_a_file_that_does_not_parse_is_refused_with_its_position(cases_dir):
    from wizard.problems import InvalidAnswers

    for name, where in (
        ("01-yaml-colon-in-toml.toml", "TOML uses '='"),
        ("03-duplicate-table-header.toml", "defined twice"),
    ):
        with pytest.raises(InvalidAnswers) as info:
            merge_config((cases_dir / name).read_text(), k8s_answers(), ACCESS)
        problem = info.value.problems[0]
        assert problem.field.startswith("config.toml:")
        assert where in problem.message


def test_case_05_wrong_types_where_the_wizard_edits_are_all_reported(cases_dir):
    from wizard.problems import InvalidAnswers

    a = k8s_answers()
    a.target.runner = "k8s-runner"
    text = (cases_dir / "05-wrong-value-types.toml").read_text()
    with pytest.raises(InvalidAnswers) as info:
        merge_config(text, a, ACCESS)
    found = {p.field.split(": ")[1]: p.message for p in info.value.problems}
    assert set(found) == {
        "runners.environment",
        "runners.kubernetes.pod_annotations",
        "runners.kubernetes.volumes.pvc",
    }
    assert found["runners.environment"].startswith(
        "is a string, the runner expects an array"
    )
    assert (
        "is an array, the runner expects a table"
        in found["runners.kubernetes.pod_annotations"]
    )
    assert "expects an array of tables" in found["runners.kubernetes.volumes.pvc"]


def test_a_new_runner_never_reuses_a_token(source):
    from wizard.problems import InvalidAnswers
    from wizard.secret import Secret

    a = _new_runner()
    a.registration.token = Secret("glrt-BBBBBBBBBBBBBBBBBBBB")
    with pytest.raises(InvalidAnswers) as info:
        merge_config(source, a, ACCESS)
    assert "runner 'k8s'" in info.value.problems[0].message


def test_a_comment_above_the_next_runner_stays_with_it(source):
    """Sub-tables added to an entry go above the comment that opens the next one."""
    docs_at = source.index("[[runners]]")
    k8s_at = source.index("[[runners]]", docs_at + 1)
    header, docs, k8s = source[:docs_at], source[docs_at:k8s_at], source[k8s_at:]
    reordered = header + k8s + "\n# the docs runner, kept last\n" + docs

    merged = merge_config(reordered, k8s_answers(), ACCESS).text

    # The comment still opens the docs runner, with its blank line before it.
    assert "\n\n# the docs runner, kept last\n[[runners]]\n" in merged
    assert merged.endswith("# the docs runner, kept last\n" + docs)
    assert tomllib.loads(merged)["runners"][0]["kubernetes"]["volumes"]["pvc"]
