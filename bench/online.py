"""Answers-file runs for the benchmark: offline, and with every check on local servers.

The local servers are the test suite's (tests/servers): GitLab, Kubernetes
API over TLS, Alibaba Cloud RPC, OSS and a registry, all on 127.0.0.1. The
wizard runs as a child process behind bench/loopback.py, so a forgotten
endpoint fails the run instead of reaching a real service.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import tomlkit

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

RUNNER_TOKEN = "glrt-t3stRunnerToken4567890xyz"


def prepare(
    run_dir: Path, changes: dict[str, object], drop: tuple[str, ...] = ()
) -> Path:
    """The example answers in `run_dir`, retargeted there and changed as asked."""
    etc = run_dir / "etc"
    etc.mkdir(parents=True)
    shutil.copy(EXAMPLES / "registered.config.toml", etc / "config.toml")
    (run_dir / "docker").mkdir()
    (run_dir / "docker" / "daemon.json").write_text('{"debug": true}\n')
    shutil.copy(
        EXAMPLES / "writeup.kubeconfig.yaml", run_dir / "writeup.kubeconfig.yaml"
    )

    doc = tomlkit.parse((EXAMPLES / "writeup.answers.toml").read_text(encoding="utf-8"))
    doc["target"]["config"] = str(etc / "config.toml")
    doc["target"]["out_dir"] = str(run_dir / "out")
    doc["images"]["daemon_json"] = str(run_dir / "docker" / "daemon.json")
    for dotted, value in changes.items():
        section, key = dotted.split(".", 1)
        if section not in doc:
            doc[section] = tomlkit.table()
        doc[section][key] = value
    for dotted in drop:
        section, key = dotted.split(".", 1)
        del doc[section][key]
    path = run_dir / "answers.toml"
    path.write_text(tomlkit.dumps(doc), encoding="utf-8")
    return path


def run_cli(answers: Path, env: dict[str, str], offline: bool) -> tuple[float, str]:
    """Seconds for one `--answers FILE --yes` run, as a fresh process."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import bench.loopback as guard; guard.install();"
        "from wizard.cli import main; sys.exit(main(sys.argv[2:]))"
    )
    argv = [sys.executable, "-c", code, str(ROOT), "--answers", str(answers), "--yes"]
    if offline:
        argv.append("--offline")
    began = time.perf_counter()
    proc = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env=env,
        cwd=answers.parent,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    took = time.perf_counter() - began
    if proc.returncode != 0:
        raise RuntimeError(
            f"exit {proc.returncode}: {(proc.stderr or proc.stdout)[-400:]}"
        )
    return took, proc.stdout


def run_offline(rounds: int, work: Path, env: dict[str, str]) -> dict[str, float]:
    times = []
    for i in range(rounds):
        answers = prepare(work / f"offline-{i}", {})
        times.append(run_cli(answers, env, offline=True)[0])
    return {"median_ms": statistics.median(times) * 1000, "runs": len(times)}


def run_online(rounds: int, work: Path, env: dict[str, str]) -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "tests"))
    from servers.aliyun import AliyunApp
    from servers.answers import AK_ID, AK_SECRET, cert_kubeconfig
    from servers.base import LocalPKI, LocalServer
    from servers.gitlab import GitLabApp
    from servers.kube import KubeApp
    from servers.oss import OssApp
    from servers.registry import RegistryApp

    example_key = ("LTAI5tFAKEwriteupKEYID0", "FAKEwriteupSECRETnotREAL00000")
    pki = LocalPKI()
    kube_app = KubeApp()
    kube_app.make_ask()
    kube_app.cert_users["runner-admin"] = "runner-admin"
    kube_app.grants["runner-admin"] = {("*", "*")}
    aliyun_app = AliyunApp({AK_ID: AK_SECRET, example_key[0]: example_key[1]})
    aliyun_app.add_nat(
        "vpc-test0001",
        "ngw-1",
        [{"SnatEntryId": "snat-1", "SourceVSwitchId": "vsw-a", "Status": "Available"}],
    )
    oss_app = OssApp({AK_ID: AK_SECRET, example_key[0]: example_key[1]})
    oss_app.add_bucket("gitlab-runner-cache", users=(example_key[0],))
    registry_app = RegistryApp()
    servers = [
        LocalServer(GitLabApp(runner_tokens=(RUNNER_TOKEN,))),
        LocalServer(kube_app, tls=pki.server_context(client_auth=True)),
        LocalServer(aliyun_app),
        LocalServer(oss_app),
        LocalServer(registry_app),
    ]
    for server in servers:
        server.__enter__()
    try:
        gitlab, kube, aliyun, oss, registry = servers
        registry_app.realm = f"{registry.url}/token"
        kubeconfig = work / "local.kubeconfig.yaml"
        kubeconfig.write_text(cert_kubeconfig(pki, kube))
        kubeconfig.chmod(0o600)
        changes = {
            "registration.url": gitlab.url,
            "registration.token": RUNNER_TOKEN,
            "cluster.kubeconfig": {"file": str(kubeconfig)},
            "cluster.context": "test",
            "cluster.vpc_id": "vpc-test0001",
            "cluster.vswitch_ids": ["vsw-a"],
            "images.mirror": registry.url,
            "endpoints.sts": aliyun.url,
            "endpoints.eci": aliyun.url,
            "endpoints.vpc": aliyun.url,
            "endpoints.oss": oss.url,
        }
        drop = (
            "registration.runner_token",
            "registration.description",
            "registration.tags",
        )
        times = []
        for i in range(rounds):
            answers = prepare(work / f"online-{i}", changes, drop)
            times.append(run_cli(answers, env, offline=False)[0])
    finally:
        for server in servers:
            server.__exit__(None, None, None)
    return {"median_ms": statistics.median(times) * 1000, "runs": len(times)}
