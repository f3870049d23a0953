"""The installed command, walked end to end in real terminals (tmux).

Each walk starts `ask-runner-wizard --answers … --offline` with every answer
but the kubeconfig, pastes a 5 KB kubeconfig into the cluster screen with
bracketed paste, goes through all nine steps (resizing on the way), writes the
files, quits, and checks the files and the terminal left behind.
"""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path

import pytest
import tomlkit
from sharedpath import SHARED
from tmuxharness import Tmux, installed_command

FIXTURES = SHARED / "reference" / "fixtures"
TITLES = (
    "Target",
    "Registration",
    "Cluster",
    "OSS cache",
    "Image pulls",
    "Spot",
    "Resources",
    "Networking",
    "Review",
)
# SGR colour parameters: 256-colour / truecolour forms and the 16 basic ones.
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def big_kubeconfig() -> tuple[str, bytes]:
    """A kubeconfig of about 5 KB (RSA client key and certificates) and its CA PEM."""
    import trustme

    ca = trustme.CA(key_type=trustme.KeyType.RSA)
    client = ca.issue_cert("gitlab-runner", key_type=trustme.KeyType.RSA)

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    ca_pem = ca.cert_pem.bytes()
    text = f"""\
apiVersion: v1
kind: Config
clusters:
- name: ask-prod
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: {b64(ca_pem)}
users:
- name: gitlab-runner
  user:
    client-certificate-data: {b64(client.cert_chain_pems[0].bytes())}
    client-key-data: {b64(client.private_key_pem.bytes())}
contexts:
- name: ask-prod
  context:
    cluster: ask-prod
    user: gitlab-runner
    namespace: gitlab-ci
current-context: ask-prod
"""
    assert len(text) >= 5000, len(text)
    return text, ca_pem


def walk_answers(tmp: Path) -> dict:
    """Every answer except the kubeconfig, which the walk pastes."""
    return {
        "target": {"mode": "new"},
        "registration": {
            "url": "https://gitlab.example.com",
            "token": "glrt-FAKEtoken0123456789ab",
            "name": "k8s-eci",
        },
        "cluster": {"namespace": "gitlab-ci", "kind": "ask", "region": "cn-hangzhou"},
        "cache": {
            "mode": "csi",
            "bucket": "gitlab-cache-bucket",
            "region": "cn-hangzhou",
            "access_key_id": "LTAI5tFAKEFAKEFAKE01",
            "access_key_secret": "fake-secret-value-0123",
        },
        "images": {"runner_version": "17.3.1", "arch": "x86_64"},
        "spot": {"strategy": "market"},
        "resources": {"cpu_request": "2", "memory_request": "6Gi"},
        "networking": {"egress": "nat"},
    }


class Setup:
    """Temporary config.toml, answers and output folder for one walk."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.config = tmp / "etc" / "config.toml"
        self.out = tmp / "out"
        self.config.parent.mkdir(parents=True)
        self.original = (FIXTURES / "config-two-runners.toml").read_bytes()
        self.config.write_bytes(self.original)
        self.answers = tmp / "answers.toml"
        self.answers.write_text(tomlkit.dumps(walk_answers(tmp)), encoding="utf-8")
        self.kubeconfig, self.ca_pem = big_kubeconfig()

    def argv(self, *extra: str) -> list[str]:
        command = installed_command()
        assert command, "ask-runner-wizard is not installed in this environment"
        return [
            command,
            "--answers",
            str(self.answers),
            "--offline",
            "--config",
            str(self.config),
            "--out",
            str(self.out),
            *extra,
        ]

    def env(self, **more: str) -> dict[str, str]:
        return {"XDG_STATE_HOME": str(self.tmp / "state"), **more}

    def untouched(self) -> bool:
        """config.toml as before and nothing else written next to it or in out/."""
        siblings = sorted(p.name for p in self.config.parent.iterdir())
        return (
            self.config.read_bytes() == self.original
            and siblings == ["config.toml"]
            and not self.out.exists()
        )


def step_title(number: int) -> str:
    return f"step {number} of 9: {TITLES[number - 1]}"


def colours(screen_with_escapes: str) -> set[str]:
    """Every colour the pane holds, as 'fg:N'/'bg:N' (256) or 'fg:rgb' (true)."""
    found: set[str] = set()
    for params in SGR.findall(screen_with_escapes):
        parts = [p for p in params.split(";") if p != ""]
        i = 0
        while i < len(parts):
            p = parts[i]
            if p in ("38", "48") and i + 1 < len(parts):
                kind = "fg" if p == "38" else "bg"
                if parts[i + 1] == "5":
                    found.add(f"{kind}:{parts[i + 2]}")
                    i += 3
                    continue
                if parts[i + 1] == "2":
                    found.add(f"{kind}:rgb:{','.join(parts[i + 2 : i + 5])}")
                    i += 5
                    continue
            if p.isdigit() and (30 <= int(p) <= 37 or 90 <= int(p) <= 97):
                found.add(f"fg16:{p}")
            if p.isdigit() and (40 <= int(p) <= 47 or 100 <= int(p) <= 107):
                found.add(f"bg16:{p}")
            i += 1
    return found


def is_grey(colour: str) -> bool:
    """A colour without hue: the 256-colour grey ramp, or basic black/white/grey."""
    kind, _, value = colour.partition(":")
    if kind in ("fg16", "bg16"):
        return value in ("30", "37", "90", "97", "40", "47", "100", "107")
    if value.startswith("rgb:"):
        r, g, b = value[4:].split(",")
        return r == g == b
    n = int(value)
    if n >= 232 or n in (0, 7, 8, 15, 16, 231):
        return True
    if 16 <= n <= 231:
        n -= 16
        return n // 36 == (n // 6) % 6 == n % 6
    return False


def wait_for_editor_focus(pane: Tmux) -> None:
    """Type a probe until the kubeconfig editor shows it, then delete it.

    Focus lands on the editor a moment after the screen is drawn, and keys
    sent before that are lost (test_typed_ahead_keys_reach_the_next_step
    covers that); the walk is about the paste, so it waits for the focus.
    """

    def probe_shown() -> bool:
        pane.type("#")
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            if re.search(r"\b1 +#", pane.screen()):
                return True
            time.sleep(0.03)
        return False

    pane.wait_until(probe_shown, "the kubeconfig editor to take keys")
    # An earlier probe may have been slow rather than lost: delete them all.
    time.sleep(0.3)
    probes = re.search(r"\b1 +(#+)", pane.screen())
    pane.keys(*["BSpace"] * len(probes.group(1) if probes else "#"))
    pane.wait_until(lambda: not re.search(r"\b1 +#", pane.screen()), "the probe gone")


def walk(pane: Tmux, setup: Setup, resize_to: tuple[int, int]) -> list[str]:
    """Go through all nine steps; returns the screens seen, one per step."""
    seen = []
    for number in range(1, 10):
        seen.append(pane.wait_for(step_title(number)))
        if number == 3:
            wait_for_editor_focus(pane)
            pane.paste(setup.kubeconfig, bracketed=True)
            # The pasted text is in the editor, and the context it offers is listed.
            pane.wait_for("current-context: ask-prod")
            pane.wait_until(
                lambda: "paste the cluster's kubeconfig" not in pane.screen(),
                "the kubeconfig error to clear",
            )
        if number == 5:
            pane.resize(*resize_to)
            pane.wait_for(step_title(number))
        if number < 9:
            pane.keys("C-n")
    pane.keys("C-n")  # Review: write the files
    seen.append(pane.wait_for("Done."))
    return seen


WALKS = [
    # (size, resize to, environment)
    ((80, 24), (200, 50), {"TERM": "xterm-256color", "LANG": "C.UTF-8"}),
    ((200, 50), (80, 24), {"TERM": "screen", "LANG": "C"}),
    ((80, 24), (120, 40), {"TERM": "linux", "LANG": "C.UTF-8", "NO_COLOR": "1"}),
    ((200, 50), (100, 30), {"TERM": "xterm-256color", "LANG": "C", "NO_COLOR": "1"}),
]


@pytest.mark.parametrize(
    ("size", "resize_to", "env"),
    WALKS,
    ids=[
        f"{s[0]}x{s[1]}-{e['TERM']}-{e['LANG']}{'-nocolor' if 'NO_COLOR' in e else ''}"
        for s, _, e in WALKS
    ],
)
def test_walk_the_whole_wizard(tmp_path, size, resize_to, env):
    setup = Setup(tmp_path)
    with Tmux(tmp_path, *size) as pane:
        pane.start(setup.argv(), env=setup.env(**env))
        screens = walk(pane, setup, resize_to)
        shot = pane.screen(escapes=True)

        # Files: the new runner is in config.toml, the pasted CA arrived whole.
        config = setup.config.read_text(encoding="utf-8")
        assert 'name = "k8s-eci"' in config
        assert 'name = "docs-shell"' in config
        assert (setup.out / "k8s-eci" / "ca.crt").read_bytes() == setup.ca_pem

        # Colours: 16 for screen/linux, none with a hue under NO_COLOR.
        used = colours(shot)
        if env["TERM"] in ("screen", "linux"):
            assert all(c.startswith(("fg16", "bg16")) for c in used), used
        if "NO_COLOR" in env:
            assert all(is_grey(c) for c in used), sorted(used)

        # States as text: the step list marks each step, ASCII under LANG=C.
        review = screens[8]
        fine = "+!" if env["LANG"] == "C" else "✓!"
        for title in TITLES[:-1]:
            assert re.search(rf"[{fine}] {title}\b", review), (title, review)
        if env["LANG"] == "C":
            marks = "".join(line[:3] for line in review.splitlines()[1:10])
            assert marks.isascii(), marks

        pane.keys("C-q")
        rc, tty_same = pane.wait_exit()
        assert (rc, tty_same) == (0, True)
        pane.assert_clean()


def test_choice_states_are_readable_without_colour(tmp_path):
    """Under NO_COLOR on a 16-colour terminal, the chosen option of a choice
    looks different from the others in the text itself, not only in colour."""
    setup = Setup(tmp_path)
    with Tmux(tmp_path, 100, 30) as pane:
        env = setup.env(TERM="linux", NO_COLOR="1", LANG="C.UTF-8")
        pane.start(setup.argv(), env=env)
        shot = pane.wait_for(step_title(1), "Add a new", "Edit an existing")
        lines = shot.splitlines()
        chosen = next(ln for ln in lines if "Add a new" in ln)  # mode = "new"
        other = next(ln for ln in lines if "Edit an existing" in ln)

        def marker(line: str, label: str) -> str:
            """The few cells drawn just before the option's label."""
            return line[max(0, line.index(label) - 5) : line.index(label)]

        assert marker(chosen, "Add a new") != marker(other, "Edit an existing"), shot
