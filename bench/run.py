"""Print the wizard's speed figures: start-up, key latency, answers-file runs.

Run from the repository root: `.venv/bin/python bench/run.py` (add `--quick`
for fewer rounds). Everything runs on this machine: the wizard gets temporary
config paths and HOME, and its network checks go to servers on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pty_app import PtyApp  # noqa: E402

BARE_MARKER = "BARE-APP-READY"
FORM_MARKER = "FORM-APP-READY"
SIZE = (120, 40)


def wizard_command() -> str:
    """The installed console script of this checkout's virtualenv."""
    beside = Path(sys.executable).parent / "ask-runner-wizard"
    found = str(beside) if beside.exists() else shutil.which("ask-runner-wizard")
    if not found:
        sys.exit("ask-runner-wizard is not installed: pip install -e .")
    return found


def child_env(home: Path) -> dict[str, str]:
    """A plain local terminal: no SSH, 256 colours, a throwaway HOME."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SSH_", "TMUX", "ESCDELAY", "TEXTUAL"))
        # Without .pyc files every launch would compile the wizard's modules
        # (Textual's were compiled by pip): the warm-up run writes them.
        and k != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        TERM="xterm-256color",
        HOME=str(home),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        LANG="C.UTF-8",
    )
    return env


def first_screen_marker(step_number: int) -> str:
    return f"step {step_number} of 9"


def time_launch(argv: list[str], marker: str, env: dict[str, str], cwd: Path) -> float:
    """Seconds from fork to `marker` drawn on the pty; then quit the program."""
    app = PtyApp(argv, env, SIZE, cwd=str(cwd))
    try:
        drawn = app.wait_for_text(marker, timeout=60)
    finally:
        app.close()
    return drawn - app.started


def bench_startup(rounds: int, work: Path) -> dict[str, float]:
    """Wizard vs two plain Textual apps, alternately, so all see the same machine.

    The bare app draws one label (the issue's baseline); the form app draws a
    screen like the wizard's first one with Textual alone (bench/form_app.py),
    which shows how much of the gap is Textual's and how much the wizard's.
    """
    env = child_env(work / "home")
    wizard = [
        wizard_command(),
        "--offline",
        "--config",
        str(work / "etc" / "config.toml"),
        "--out",
        str(work / "out"),
    ]
    runs = {
        "bare": ([sys.executable, str(ROOT / "bench" / "bare_app.py")], BARE_MARKER),
        "form": ([sys.executable, str(ROOT / "bench" / "form_app.py")], FORM_MARKER),
        "wizard": (wizard, first_screen_marker(1)),
    }
    # One unmeasured run each fills the OS file cache and writes .pyc files.
    for argv, marker in runs.values():
        time_launch(argv, marker, env, work)

    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, (argv, marker) in runs.items():
            times[name].append(time_launch(argv, marker, env, work))
    med = {name: statistics.median(values) for name, values in times.items()}
    return {
        "wizard_ms": med["wizard"] * 1000,
        "bare_ms": med["bare"] * 1000,
        "form_ms": med["form"] * 1000,
        "ratio": med["wizard"] / med["bare"],
        "form_vs_bare": med["form"] / med["bare"],
        "wizard_vs_form": med["wizard"] / med["form"],
    }


def hang_kubeconfig(hang_port: int) -> str:
    """A kubeconfig whose API server is the silent local server."""
    return (
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: hang\n  cluster:\n    server: https://127.0.0.1:{hang_port}\n"
        "users:\n- name: ci\n  user:\n    token: fake-kube-token-for-the-bench\n"
        "contexts:\n- name: hang\n  context: {cluster: hang, user: ci}\n"
        "current-context: hang\n"
    )


def bench_latency(
    keys: int,
    work: Path,
    step: int = 2,
    seed: int = 5,
    offline: bool = False,
) -> dict[str, float]:
    """Key-to-echo times on a step's first field while that step's checks hang.

    Step 2 types after the GitLab URL; step 3 pastes a kubeconfig and types a
    comment line below it (the text is re-parsed on every key). With `offline` the same typing runs
    with no checks: the control for how much of the figure is the machine.
    """
    sys.path.insert(0, str(ROOT / "tests"))
    from servers.base import HangServer

    env = child_env(work / "home")
    rng = random.Random(seed)
    alphabet = "abcdefghjkmnpqrstuvwxyz"
    with HangServer() as hang:
        answers = work / f"latency-answers-{step}.toml"
        answers.write_text(
            "[registration]\n"
            f'url = "{hang.url}/"\n'
            'token = "glrt-FAKEtoken0123456789ab"\n'
            'name = "bench"\n',
            encoding="utf-8",
        )
        # The wizard's own entry point behind the loopback guard: its checks
        # may only ever reach the silent local server.
        argv = [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]);"
            "import bench.loopback as g; g.install();"
            "from wizard.cli import main; sys.exit(main(sys.argv[2:]))",
            str(ROOT),
            "--answers",
            str(answers),
            "--config",
            str(work / "etc" / "config.toml"),
            "--out",
            str(work / "out"),
            *(["--offline"] if offline else []),
        ]
        app = PtyApp(argv, env, SIZE, cwd=str(work))
        latencies: list[float] = []
        try:
            app.wait_for_text(first_screen_marker(1), timeout=60)
            for number in range(2, step + 1):
                app.send(b"\x0e")  # Ctrl+N; the step's checks start at once
                start = len(app.output)
                app.wait_for_text(first_screen_marker(number), since=start)
            # Let the step settle (its checks start, the screen is drawn) first.
            settle = time.perf_counter() + 1.0
            while time.perf_counter() < settle:
                app.read(settle - time.perf_counter())
            if step == 3:
                # Paste the kubeconfig as a terminal does; its checks start
                # after the debounce. Then type a comment line below it.
                start = len(app.output)
                app.send(
                    b"\x1b[200~" + hang_kubeconfig(hang.port).encode() + b"\x1b[201~"
                )
                app.wait_for_text("current-context: hang", since=start)
                app.send(b"#")
            else:
                app.send(b"\x1b[F")  # End: type after the URL
            if not offline:
                app.wait_for_text("running", since=start, timeout=10)
            typed = ""
            for i in range(keys):
                char = rng.choice(alphabet)
                typed += char
                since = len(app.output)
                sent = app.send(char.encode())
                seen = app.wait_for_text(typed[-8:], timeout=5, since=since)
                latencies.append(seen - sent)
                # Mostly typing speed, with pauses past the debounce so the
                # checks restart (and hang again) while the operator types.
                pause = 0.8 if i % 6 == 5 else rng.uniform(0.05, 0.15)
                end = time.perf_counter() + pause
                while time.perf_counter() < end:
                    app.read(end - time.perf_counter())
            connections = len(hang.conns)
        finally:
            app.close()
    return {
        "median_ms": statistics.median(latencies) * 1000,
        "worst_ms": max(latencies) * 1000,
        "keys": len(latencies),
        "hanging_connections": connections,
    }


def bench_answers(rounds: int, work: Path) -> tuple[object, object]:
    """Wall time of `--answers FILE --yes`, offline and against local servers."""
    from bench.online import run_offline, run_online

    env = child_env(work / "home")
    try:
        offline = run_offline(rounds, work, env)
    except (OSError, RuntimeError) as exc:
        offline = f"not measured: {exc}"
    try:
        online = run_online(rounds, work, env)
    except (OSError, RuntimeError, ImportError) as exc:
        online = f"not measured: {exc}"
    return offline, online


def show(title: str, result: object) -> None:
    print(f"{title}:")
    if isinstance(result, dict):
        for key, value in result.items():
            text = f"{value:.2f}" if isinstance(value, float) else str(value)
            print(f"  {key:20} {text}")
    else:
        print(f"  {result}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument(
        "--only", choices=["startup", "latency", "answers"], help="one figure only"
    )
    args = parser.parse_args(argv)
    rounds = 5 if args.quick else 15
    keys = 24 if args.quick else 60

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpu(s), pty {SIZE}")
    with tempfile.TemporaryDirectory(prefix="arw-bench-") as tmp:
        work = Path(tmp)
        (work / "home").mkdir()
        if args.only in (None, "startup"):
            show(
                f"1. launch to first screen, median of {rounds}",
                bench_startup(rounds, work),
            )
        if args.only in (None, "latency"):
            show(
                "2a. key to screen, Registration, every check hanging",
                bench_latency(keys, work, step=2),
            )
            show(
                "2b. key to screen, Cluster (kubeconfig editor), every check hanging",
                bench_latency(keys, work, step=3),
            )
            show(
                "2c. control: Registration typing with --offline (no checks)",
                bench_latency(keys, work, step=2, offline=True),
            )
        if args.only in (None, "answers"):
            offline, online = bench_answers(rounds, work)
            show("3a. answers file, --offline", offline)
            show("3b. answers file, checks on local servers", online)
    return 0


if __name__ == "__main__":
    sys.exit(main())
