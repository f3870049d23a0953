"""The wizard's own state file, beside the artifacts: answers no artifact holds.

It never holds a secret (nor a reference to one): secrets are read back from
the artifact that holds them or asked again. It holds the choices made in
words (the spot strategy, the cluster kind, the cache mode, the runner
version, where the kubeconfig came from, which runner entry); on reading,
what the artifacts say wins over it. It is written as one more artifact
(mode 0600 anyway) with no timestamp, so it changes only when the answers do.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from wizard.model import Answers
from wizard.problems import Problem
from wizard.secret import Secret
from wizard.write.files import Artifact

STATE_NAME = "wizard-state.toml"
STATE_VERSION = 1
STATE_MODE = 0o600


def runner_dir(out_dir: Path, runner_name: str) -> Path:
    """The folder of one runner's artifacts: the out folder, then the runner's name.

    wizard.write.plan and wizard.readback both call this, so they agree.
    """
    return Path(out_dir) / runner_folder_name(runner_name)


def runner_folder_name(runner_name: str) -> str:
    """A folder name unique to `runner_name`, the same on every run.

    A name that is already a clean slug is used as is; any other name gets a
    short hash of itself, so names that sanitise alike ("a b" and "a-b", two
    names in another script) never share a folder and overwrite each other's
    keys.
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", runner_name).strip("-.") or "runner"
    if slug == runner_name:
        return slug
    digest = hashlib.sha256(runner_name.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}"


def state_path(folder: Path) -> Path:
    """The state file of the runner whose artifacts are in `folder`."""
    return Path(folder) / STATE_NAME


# The answers no artifact holds (or holds only in a form that loses the
# operator's words), by section. Everything else is read back from the
# artifacts, so the state never disagrees with them.
STATE_FIELDS: dict[str, tuple[str, ...]] = {
    "target": ("runner",),
    "registration": ("description", "tags", "run_untagged", "locked"),
    "cluster": (
        "kubeconfig_path",
        "context",
        "kind",
        "region",
        "vpc_id",
        "vswitch_ids",
    ),
    "cache": ("mode", "region"),
    "images": ("runner_version", "arch", "mirror", "daemon_json"),
    "spot": ("strategy", "price_limit", "protection_hours", "fallback"),
    "networking": ("egress", "eip_bandwidth", "ci_example"),
    "endpoints": ("sts", "eci", "vpc", "oss"),
    "review": ("apply",),
}


def render_state(answers: Answers) -> str:
    """The state as TOML text: the answers in STATE_FIELDS, never a secret."""
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment("Written by ask-runner-wizard. Holds no secrets."))
    doc.add(tomlkit.comment("Answers that no other file holds; the files win over it."))
    meta = tomlkit.table()
    meta.add("version", STATE_VERSION)
    doc.add("wizard", meta)
    for section, names in STATE_FIELDS.items():
        obj = getattr(answers, section)
        table = tomlkit.table()
        for name in names:
            value = getattr(obj, name)
            if (section, name) == ("target", "runner"):
                # The name the entry has in config.toml, which a new entry
                # takes from registration.name: it says whose folder this is.
                value = answers.registration.name or value
            if value is None or isinstance(value, Secret):
                continue
            table.add(name, value)
        doc.add(section, table)
    return tomlkit.dumps(doc)


def state_artifact(answers: Answers, folder: Path) -> Artifact:
    """The state file as an artifact for the plan, written with the others."""
    return Artifact(
        path=state_path(folder),
        content=render_state(answers).encode("utf-8"),
        mode=STATE_MODE,
        label="the wizard's saved answers (no secrets)",
    )


def load_state(folder: Path) -> tuple[Answers | None, list[Problem]]:
    """The saved answers, or None when there is no state file.

    A state file that cannot be read or parsed is reported as a warning and
    ignored: it holds no secret and nothing the artifacts do not back up, so
    it must never block editing. Unknown keys (from a newer wizard) are
    reported, not fatal.
    """
    from wizard.answers import answers_from_data
    from wizard.lint import MalformedFileError, parse_config

    path = state_path(folder)
    try:
        text = path.read_text(encoding="utf-8")
        data = parse_config(text, str(path)).unwrap()
    except (FileNotFoundError, NotADirectoryError):
        return None, []
    except (OSError, UnicodeDecodeError, MalformedFileError) as exc:
        why = exc.problem if isinstance(exc, MalformedFileError) else exc
        return None, [
            Problem(
                str(path),
                f"ignored, it cannot be read ({why}); it holds no secrets and can "
                "be deleted: its answers are taken from the other files or asked "
                "again",
                "warning",
            )
        ]
    meta = data.pop("wizard", {})
    problems: list[Problem] = []
    if isinstance(meta, dict) and meta.get("version", STATE_VERSION) > STATE_VERSION:
        problems.append(
            Problem(
                str(path),
                "written by a newer wizard; values it does not know are ignored",
                "warning",
            )
        )
    answers, found = answers_from_data(data, base=path.parent)
    problems += [Problem(f"{path}: {p.field}", p.message, "warning") for p in found]
    return answers, problems
