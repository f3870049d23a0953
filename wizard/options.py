"""How one run was started: the command-line choices the UI and the CLI share."""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.checks import Timeouts


@dataclass
class Options:
    """Command-line choices; paths stay "" when not given (defaults apply later)."""

    config: str = ""  # --config; "" means gitlab-runner's default
    out_dir: str = ""  # --out; "" means a folder beside config.toml
    offline: bool = False  # --offline: no live checks
    runner: str = ""  # --runner: the [[runners]] entry to edit
    screen: str = ""  # --screen: the step to open first
    answers_path: str = ""  # --answers
    daemon_json: str = ""  # --daemon-json: the docker daemon.json to merge into
    timeouts: Timeouts = field(default_factory=Timeouts)
