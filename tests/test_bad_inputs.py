"""Bad input everywhere: each one gets its own message, and nothing is written.

Every row runs the real command path, `wizard.cli.main(["--answers", f,
"--yes", "--offline", ...])`, on a complete answers file with one thing
broken (or a broken file next to it), then proves the folder holding
config.toml, the output folder and daemon.json are byte-for-byte untouched.
A second table calls the per-field validators the screens use.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomlkit
from sharedpath import SHARED

from wizard import validate as V

CASES = SHARED / "cases"
FIXTURES = SHARED / "reference" / "fixtures"

KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: ask
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkZBS0UKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
users:
- name: ci
  user:
    token: fake-kube-token-for-tests
contexts:
- name: ask
  context: {cluster: ask, user: ci, namespace: default}
current-context: ask
"""

DAEMON_JSON = '{\n  "log-driver": "json-file"\n}\n'


def base_answers(tmp: Path) -> dict:
    """A complete, valid answers file (the write-up's values) as plain data."""
    return {
        "target": {
            "config": str(tmp / "etc" / "config.toml"),
            "out_dir": str(tmp / "out"),
            "mode": "new",
        },
        "registration": {
            "url": "https://gitlab.example.com",
            "token": "glrt-FAKEtoken0123456789ab",
            "name": "k8s-eci",
        },
        "cluster": {
            "kubeconfig_path": str(tmp / "kubeconfig.yaml"),
            "context": "ask",
            "namespace": "default",
            "kind": "ask",
            "region": "cn-hangzhou",
        },
        "cache": {
            "mode": "csi",
            "bucket": "gitlab-cache-bucket",
            "region": "cn-hangzhou",
            "access_key_id": "LTAI5tFAKEFAKEFAKE01",
            "access_key_secret": "fake-secret-value-0123",
        },
        "images": {
            "runner_version": "17.3.1",
            "arch": "x86_64",
            "daemon_json": str(tmp / "etc" / "docker" / "daemon.json"),
        },
        "spot": {"strategy": "market"},
        "resources": {
            "cpu_request": "2",
            "memory_request": "6Gi",
            "service_cpu_request": "1",
            "service_memory_request": "1Gi",
            "helper_cpu_request": "250m",
            "helper_memory_request": "512Mi",
        },
        "networking": {"egress": "nat"},
    }


@dataclass(frozen=True)
class Bad:
    """One bad input: how to break the setup, and what the operator must read."""

    id: str
    change: Callable[[dict, Path], None]
    field: str  # where the message points ("" when only the text is checked)
    message: str  # a piece of the message that must be shown


def setting(path: str, value: object) -> Callable[[dict, Path], None]:
    """Set `section.key` in the answers data ("section.key" with value None deletes)."""

    def change(data: dict, tmp: Path) -> None:
        section, key = path.split(".", 1)
        table = data.setdefault(section, {})
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value

    return change


def settings_(**values: object) -> Callable[[dict, Path], None]:
    """Several settings at once; keys use '__' for the dot."""

    def change(data: dict, tmp: Path) -> None:
        for key, value in values.items():
            setting(key.replace("__", "."), value)(data, tmp)

    return change


def file_contents(name: str, text: str) -> Callable[[dict, Path], None]:
    """Replace one of the files the answers point at with `text`."""

    def change(data: dict, tmp: Path) -> None:
        target = {
            "kubeconfig": tmp / "kubeconfig.yaml",
            "config": tmp / "etc" / "config.toml",
            "daemon": tmp / "etc" / "docker" / "daemon.json",
        }[name]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    return change


def case_file(name: str, case: str) -> Callable[[dict, Path], None]:
    return file_contents(name, (CASES / case).read_text(encoding="utf-8"))


def raw_section(section: str, value: object) -> Callable[[dict, Path], None]:
    def change(data: dict, tmp: Path) -> None:
        data[section] = value

    return change


def with_mirror(daemon_text: str) -> Callable[[dict, Path], None]:
    def change(data: dict, tmp: Path) -> None:
        data["images"]["mirror"] = "https://abc123.mirror.aliyuncs.com"
        file_contents("daemon", daemon_text)(data, tmp)

    return change


ANSWERS_TABLE = [
    # --- the answers file's own structure ---
    Bad(
        "unknown-section",
        raw_section("cahce", {"bucket": "x"}),
        "cahce",
        "did you mean cache",
    ),
    Bad(
        "unknown-key",
        setting("cache.buckett", "x"),
        "cache.buckett",
        "did you mean bucket",
    ),
    Bad(
        "section-not-table",
        raw_section("spot", "market"),
        "spot",
        "expected a [spot] table",
    ),
    Bad(
        "wrong-type-int",
        setting("spot.protection_hours", "one"),
        "spot.protection_hours",
        "expected a whole number, found string",
    ),
    Bad(
        "wrong-type-list",
        setting("registration.tags", 5),
        "registration.tags",
        "expected a list of strings",
    ),
    Bad(
        "secret-env-missing",
        setting("cache.access_key_secret", {"env": "ARW_TEST_UNSET_VAR"}),
        "cache.access_key_secret",
        "ARW_TEST_UNSET_VAR is not set",
    ),
    Bad(
        "secret-file-missing",
        setting("registration.token", {"file": "/nonexistent/arw/token"}),
        "registration.token",
        "cannot read",
    ),
    Bad(
        "secret-bad-shape",
        setting("registration.token", {"path": "x"}),
        "registration.token",
        "env",
    ),
    # --- target ---
    Bad(
        "target-mode", setting("target.mode", "replace"), "target.mode", "unknown mode"
    ),
    Bad(
        "target-edit-no-runner",
        setting("target.mode", "edit"),
        "target.runner",
        "name the [[runners]] entry",
    ),
    # --- registration ---
    Bad(
        "url-empty",
        setting("registration.url", ""),
        "registration.url",
        "give the GitLab URL",
    ),
    Bad(
        "url-no-scheme",
        setting("registration.url", "gitlab.example.com"),
        "registration.url",
        "no http:// or https:// scheme",
    ),
    Bad(
        "url-space",
        setting("registration.url", "https://gitlab .example.com"),
        "registration.url",
        "contains a space",
    ),
    Bad(
        "url-bad-port",
        setting("registration.url", "https://gitlab.example.com:99999"),
        "registration.url",
        "port",
    ),
    Bad(
        "token-missing",
        setting("registration.token", None),
        "registration.token",
        "give the runner's glrt- token",
    ),
    Bad(
        "token-newline",
        setting("registration.token", "glrt-abc\ndef0123456789"),
        "registration.token",
        "line break",
    ),
    Bad(
        "token-short",
        setting("registration.token", "glrt-abc"),
        "registration.token",
        "too short",
    ),
    Bad(
        "name-empty",
        setting("registration.name", ""),
        "registration.name",
        "give the runner a name",
    ),
    Bad(
        "tags-empty-item",
        setting("registration.tags", ["docker", ""]),
        "registration.tags",
        "a tag is empty",
    ),
    Bad(
        "tags-duplicate",
        setting("registration.tags", ["docker", "docker"]),
        "registration.tags",
        "listed twice",
    ),
    Bad(
        "expiry-without-obtained",
        setting("registration.token_expires_at", "2027-01-01T00:00:00Z"),
        "registration.token_obtained_at",
        "rotates the token at once",
    ),
    Bad(
        "ca-file-relative",
        setting("registration.tls_ca_file", "certs/ca.pem"),
        "registration.tls_ca_file",
        "must be absolute",
    ),
    # --- cluster and kubeconfig ---
    Bad(
        "cluster-kind",
        setting("cluster.kind", "serverless"),
        "cluster.kind",
        "unknown cluster kind",
    ),
    Bad(
        "namespace-upper",
        setting("cluster.namespace", "Default"),
        "cluster.namespace",
        "not a valid namespace",
    ),
    Bad(
        "region-bad",
        setting("cluster.region", "hangzhou"),
        "cluster.region",
        "not a region id",
    ),
    Bad(
        "kubeconfig-missing-file",
        setting("cluster.kubeconfig_path", "/nonexistent/arw/kubeconfig"),
        "cluster.kubeconfig_path",
        "cannot read",
    ),
    Bad(
        "kubeconfig-empty",
        file_contents("kubeconfig", "paste the cluster's kubeconfig"),
        "cluster.kubeconfig",
        "",
    ),
    Bad(
        "kubeconfig-broken-yaml",
        case_file("kubeconfig", "14-list-item-after-key.kubeconfig.yaml"),
        "cluster.kubeconfig_path",
        "line",
    ),
    Bad(
        "kubeconfig-not-a-mapping",
        file_contents("kubeconfig", "- just\n- a list\n"),
        "cluster.kubeconfig_path",
        "not a kubeconfig",
    ),
    Bad(
        "kubeconfig-no-contexts",
        file_contents("kubeconfig", "apiVersion: v1\nkind: Config\nclusters: []\n"),
        "cluster.kubeconfig_path",
        "no contexts",
    ),
    Bad(
        "kubeconfig-context-unknown",
        setting("cluster.context", "prod"),
        "cluster.context",
        "no context named 'prod'",
    ),
    Bad(
        "kubeconfig-no-current-context",
        lambda d, t: (
            setting("cluster.context", None)(d, t),
            case_file("kubeconfig", "10-empty-current-context.kubeconfig.yaml")(d, t),
        ),
        "cluster.context",
        "pick one of: prod, staging",
    ),
    Bad(
        "kubeconfig-basic-auth",
        file_contents(
            "kubeconfig",
            KUBECONFIG.replace(
                "token: fake-kube-token-for-tests",
                "username: admin\n    password: hunter2",
            ),
        ),
        "cluster.kubeconfig_path",
        "username/password",
    ),
    # --- cache ---
    Bad("cache-mode", setting("cache.mode", "nfs"), "cache.mode", "unknown cache mode"),
    Bad(
        "bucket-short",
        setting("cache.bucket", "ab"),
        "cache.bucket",
        "3 to 63 characters",
    ),
    Bad(
        "bucket-upper",
        setting("cache.bucket", "Gitlab_Cache"),
        "cache.bucket",
        "not a valid OSS bucket name",
    ),
    Bad(
        "cache-path-relative",
        setting("cache.path", "runner"),
        "cache.path",
        "starts with '/'",
    ),
    Bad(
        "access-key-id-bad",
        setting("cache.access_key_id", "LTAI 5t"),
        "cache.access_key_id",
        "AccessKey id",
    ),
    Bad(
        "access-key-secret-missing",
        setting("cache.access_key_secret", None),
        "cache.access_key_secret",
        "give the AccessKey secret",
    ),
    Bad(
        "capacity-no-unit",
        setting("cache.capacity", "50"),
        "cache.capacity",
        "add a unit",
    ),
    Bad(
        "pv-name-upper",
        setting("cache.pv_name", "GitLab_PV"),
        "cache.pv_name",
        "not a valid Kubernetes name",
    ),
    Bad(
        "mount-path-relative",
        setting("cache.mount_path", "cache"),
        "cache.mount_path",
        "must be absolute",
    ),
    Bad(
        "endpoint-with-bucket",
        setting(
            "cache.endpoint",
            "gitlab-cache-bucket.oss-cn-hangzhou-internal.aliyuncs.com",
        ),
        "cache.endpoint",
        "drop the bucket name",
    ),
    # --- images ---
    Bad(
        "arch-bad",
        setting("images.arch", "amd64"),
        "images.arch",
        "unknown architecture",
    ),
    Bad(
        "runner-version-bad",
        setting("images.runner_version", "v17"),
        "images.runner_version",
        "not a runner version",
    ),
    Bad(
        "helper-wrong-version",
        setting(
            "images.helper_image",
            "registry.example.com/gitlab-runner-helper:x86_64-v16.0.0",
        ),
        "images.helper_image",
        "the runner is 17.3.1",
    ),
    Bad(
        "helper-no-tag",
        setting("images.helper_image", "registry.example.com/gitlab-runner-helper"),
        "images.helper_image",
        "must name arch and exact version",
    ),
    Bad(
        "image-with-space",
        setting("images.image", "maven 3"),
        "images.image",
        "no spaces",
    ),
    Bad(
        "precache-empty",
        setting("images.precache", ["alpine:3", ""]),
        "images.precache[1]",
        "empty image name",
    ),
    Bad(
        "mirror-no-scheme",
        setting("images.mirror", "abc.mirror.aliyuncs.com"),
        "images.mirror",
        "has no scheme",
    ),
    Bad(
        "mirror-with-path",
        setting("images.mirror", "https://abc.mirror.aliyuncs.com/v2"),
        "images.mirror",
        "drop the path",
    ),
    Bad(
        "daemon-json-relative",
        settings_(
            images__mirror="https://abc.mirror.aliyuncs.com",
            images__daemon_json="daemon.json",
        ),
        "images.daemon_json",
        "must be absolute",
    ),
    # --- spot ---
    Bad(
        "spot-platform-word",
        setting("spot.strategy", "SpotAsPriceGo"),
        "spot.strategy",
        "answer 'market'",
    ),
    Bad(
        "spot-cap-no-price",
        setting("spot.strategy", "cap"),
        "spot.price_limit",
        "give the highest hourly price",
    ),
    Bad(
        "spot-price-decimals",
        settings_(spot__strategy="cap", spot__price_limit="0.12345"),
        "spot.price_limit",
        "more than 3 decimals",
    ),
    Bad(
        "spot-protection",
        setting("spot.protection_hours", 3),
        "spot.protection_hours",
        "1 hour",
    ),
    Bad(
        "spot-cap-on-acs",
        settings_(cluster__kind="acs", spot__strategy="cap", spot__price_limit="0.5"),
        "spot.strategy",
        "no cap",
    ),
    # --- resources ---
    Bad(
        "cpu-bad",
        setting("resources.cpu_request", "2 cores"),
        "resources.cpu_request",
        "not a Kubernetes quantity",
    ),
    Bad(
        "memory-no-unit",
        setting("resources.memory_request", "6"),
        "resources.memory_request",
        "add a unit",
    ),
    Bad(
        "memory-gb-typo",
        setting("resources.memory_request", "6GB"),
        "resources.memory_request",
        "not a Kubernetes quantity",
    ),
    Bad(
        "cpu-zero",
        setting("resources.cpu_request", "0"),
        "resources.cpu_request",
        "more than zero",
    ),
    Bad(
        "limit-below-request",
        setting("resources.memory_limit", "1Gi"),
        "resources.memory_limit",
        "below the request",
    ),
    Bad(
        "specs-2c4g",
        setting("resources.specs", "2C4G"),
        "resources.specs",
        "write 2-4Gi",
    ),
    Bad(
        "specs-too-many",
        setting("resources.specs", "1-2Gi,2-4Gi,4-8Gi,8-16Gi,16-32Gi,32-64Gi"),
        "resources.specs",
        "at most 5",
    ),
    Bad(
        "specs-mixed-arch",
        setting("resources.specs", "ecs.c6.xlarge,ecs.c8y.xlarge"),
        "resources.specs",
        "mixes ARM and x86",
    ),
    Bad(
        "specs-acs-list",
        settings_(cluster__kind="acs", resources__specs="2-4Gi,4-8Gi"),
        "resources.specs",
        "ACS takes one size",
    ),
    # --- networking ---
    Bad(
        "egress-bad",
        setting("networking.egress", "proxy"),
        "networking.egress",
        "unknown egress mode",
    ),
    Bad(
        "eip-on-acs",
        settings_(cluster__kind="acs", networking__egress="eip"),
        "networking.egress",
        "NAT gateway",
    ),
    Bad(
        "eip-bandwidth-zero",
        settings_(networking__egress="eip", networking__eip_bandwidth=0),
        "networking.eip_bandwidth",
        "at least 1",
    ),
    Bad(
        "no-egress-no-helper",
        setting("networking.egress", "none"),
        "images.helper_image",
        "pods have no internet",
    ),
    # --- endpoints ---
    Bad(
        "endpoint-not-url",
        setting("endpoints.sts", "sts.aliyuncs"),
        "endpoints.sts",
        "is not a URL",
    ),
]

# Files the answers point at, broken; the answers themselves are fine.
FILE_TABLE = [
    Bad(
        "config-yaml-colon",
        case_file("config", "01-yaml-colon-in-toml.toml"),
        "config.toml:16:",
        "TOML uses",
    ),
    Bad(
        "config-duplicate-table",
        case_file("config", "03-duplicate-table-header.toml"),
        "config.toml:",
        "twice",
    ),
    Bad(
        "config-annotation-unquoted",
        case_file("config", "04-annotation-keys-unquoted.toml"),
        "config.toml:14:",
        "quoted",
    ),
    Bad(
        "config-not-utf8",
        lambda d, t: (t / "etc" / "config.toml").write_bytes(
            b"concurrent = 1\n\xff\xfe name\n"
        ),
        "config.toml",
        "cannot read",
    ),
    Bad(
        "config-runners-single-table",
        file_contents("config", 'concurrent = 2\n[runners]\nname = "old"\n'),
        "config.toml",
        "gitlab-runner wants [[runners]] tables",
    ),
    Bad(
        "config-runners-string",
        file_contents("config", 'runners = "none"\n'),
        "config.toml",
        "gitlab-runner wants [[runners]] tables",
    ),
    Bad(
        "daemon-json-broken",
        with_mirror('{"registry-mirrors": ["https://x.example.com"],}\n'),
        "daemon.json",
        "daemon.json:1:48: not valid JSON",
    ),
    Bad(
        "daemon-json-not-object",
        with_mirror('["https://x.example.com"]\n'),
        "daemon.json",
        "expected a JSON object",
    ),
    Bad(
        "daemon-json-mirrors-not-list",
        with_mirror('{"registry-mirrors": "https://x.example.com"}\n'),
        "daemon.json",
        "registry-mirrors should be a list",
    ),
]


def prepare(tmp: Path, bad: Bad) -> tuple[Path, dict[Path, bytes]]:
    """Write the answers and the files they name; return the answers path and a snapshot."""
    (tmp / "etc" / "docker").mkdir(parents=True)
    (tmp / "etc" / "config.toml").write_text(
        (FIXTURES / "config-two-runners.toml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    (tmp / "etc" / "docker" / "daemon.json").write_text(DAEMON_JSON, encoding="utf-8")
    (tmp / "kubeconfig.yaml").write_text(KUBECONFIG, encoding="utf-8")

    data = copy.deepcopy(base_answers(tmp))
    bad.change(data, tmp)
    answers = tmp / "answers.toml"
    answers.write_text(tomlkit.dumps(data), encoding="utf-8")
    return answers, snapshot(tmp)


def snapshot(root: Path) -> dict[Path, bytes]:
    """Every file under root with its bytes (and nothing about times)."""
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run_cli(tmp: Path, answers: Path) -> int:
    from wizard.cli import main

    return main(
        [
            "--answers",
            str(answers),
            "--yes",
            "--offline",
            "--config",
            str(tmp / "etc" / "config.toml"),
            "--out",
            str(tmp / "out"),
        ]
    )


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory, monkeypatch):
    """Logs and state go to a throwaway HOME, never the real one."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.delenv("CONFIG_FILE", raising=False)
    monkeypatch.delenv("ARW_TEST_UNSET_VAR", raising=False)


def test_the_base_answers_are_valid(tmp_path, capsys):
    """The table is meaningful only if the unbroken answers pass and write."""
    answers, _ = prepare(tmp_path, Bad("none", lambda d, t: None, "", ""))
    code = run_cli(tmp_path, answers)
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    assert (tmp_path / "etc" / "config.toml").read_bytes() != (
        FIXTURES / "config-two-runners.toml"
    ).read_bytes()


@pytest.mark.parametrize("bad", ANSWERS_TABLE + FILE_TABLE, ids=lambda b: b.id)
def test_bad_input_is_refused_and_nothing_is_written(tmp_path, capsys, bad):
    answers, before = prepare(tmp_path, bad)

    code = run_cli(tmp_path, answers)

    shown = capsys.readouterr()
    text = shown.out + shown.err
    assert code != 0, f"accepted: {text}"
    if bad.field:
        assert bad.field in text, text
    assert bad.message in text, text
    assert snapshot(tmp_path) == before, "a file was written or changed"
    assert not (tmp_path / "out").exists()


def test_inline_empty_runners_array_still_gives_valid_toml(tmp_path, capsys):
    """`runners = []` is valid TOML: the new entry must keep the file loadable."""
    import tomllib

    bad = Bad(
        "inline-empty",
        file_contents("config", "concurrent = 1\nrunners = []\n"),
        "",
        "",
    )
    answers, _ = prepare(tmp_path, bad)
    code = run_cli(tmp_path, answers)
    shown = capsys.readouterr()
    assert code == 0, shown.out + shown.err
    data = tomllib.loads((tmp_path / "etc" / "config.toml").read_text(encoding="utf-8"))
    assert [r["name"] for r in data["runners"]] == ["k8s-eci"]


def test_there_are_at_least_forty_bad_inputs():
    assert len(ANSWERS_TABLE) + len(FILE_TABLE) + len(FIELD_TABLE) >= 40


# The validators every screen field calls, on what people paste into them.
FIELD_TABLE = [
    (V.check_url, "ftp://gitlab.example.com", "http"),
    (V.check_url, "https://", "no host name"),
    (V.check_token, "glrt- abc", "space"),
    (V.check_namespace, "a" * 64, "at most 63"),
    (V.check_k8s_name, "", "give a name"),
    (V.check_bucket, "b" * 64, "3 to 63"),
    (V.check_region, "", "give the region"),
    (
        V.check_oss_endpoint,
        "oss cn-hangzhou.aliyuncs.com",
        "endpoint host",
    ),
    (V.check_abs_path, "/etc/x\n/y", "one line"),
    (V.check_price_limit, "abc", "not a price"),
    (V.check_price_limit, "0", "more than zero"),
    (V.check_mirror_url, "https://", "no host"),
    (V.check_image_ref, "UPPER/Case:tag", ""),
    (V.check_runner_version, "17.3", "not a runner version"),
    (V.check_specs, "", None),
    (V.check_access_key_id, "", "give the AccessKey id"),
    (V.check_kubeconfig_text, "   ", "empty"),
    (V.check_kubeconfig_text, "kind: Pod\n", "expected Config"),
]


@pytest.mark.parametrize(
    ("check", "value", "message"),
    FIELD_TABLE,
    ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(FIELD_TABLE)],
)
def test_field_validators_explain(check, value, message):
    result = check(value)
    if message is None:
        assert result is None
    else:
        assert result, f"{value!r} accepted"
        assert message in result
