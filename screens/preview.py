"""Show, before writing, the exact pod annotations and labels a step produces."""

from __future__ import annotations

import copy

from wizard.model import Answers
from wizard.problems import InvalidAnswers
from wizard.secret import Secret

# Which written keys each step explains (matched as substrings of the key).
TOPICS = {
    "spot": ("spot", "compute-qos"),
    "resources": ("use-specs", "required-spec", "compute-class"),
    "networking": ("eip",),
}

# The map tables of [runners.kubernetes] that a preview may show.
TABLES = ("pod_annotations", "pod_labels")

# Plain [runners.kubernetes] keys each step explains (matched as key endings).
SCALARS = {"resources": ("_request", "_limit")}


def pod_settings(answers: Answers) -> dict[str, dict[str, str]]:
    """The annotation and label tables (and, as "", the plain keys) the merge writes."""
    from wizard.write.configtoml import ClusterAccess, merge_config

    # Merged into an empty file as a new entry, so neither the target file nor
    # the other steps' answers can stop the preview; the tables do not depend
    # on them.
    trial = copy.deepcopy(answers)
    trial.target.mode = "new"
    trial.registration.name = trial.registration.name or "preview"
    trial.registration.url = trial.registration.url or "https://gitlab.invalid"
    if not trial.registration.runner_token:
        # Never written anywhere: the merge only needs some token to proceed.
        trial.registration.runner_token = Secret("glrt-preview-only-not-a-token")
    result = merge_config(None, trial, ClusterAccess())
    tables: dict[str, dict[str, str]] = {}
    for path, value in result.written:
        parent, _, table = path.rpartition(".")
        if parent == "runners.kubernetes" and isinstance(value, str | int):
            tables.setdefault("", {})[table] = str(value)
        if table in TABLES and isinstance(value, dict):
            tables.setdefault(table, {}).update(
                {str(k): str(v) for k, v in value.items()}
            )
    return tables


def pod_settings_text(answers: Answers, topic: str) -> str:
    """The annotation and label lines of `topic`, as they will be in config.toml."""
    try:
        settings = pod_settings(answers)
    except (InvalidAnswers, ValueError):
        return "Written to config.toml: shown once this step's errors are fixed."
    lines = []
    plain = settings.pop("", {})
    mine = {k: v for k, v in plain.items() if k.endswith(SCALARS.get(topic, ()))}
    if mine:
        lines.append("[runners.kubernetes]")
        lines.extend(f'  {k} = "{v}"' for k, v in mine.items())
    for table, entries in settings.items():
        mine = {k: v for k, v in entries.items() if any(w in k for w in TOPICS[topic])}
        if mine:
            lines.append(f"[runners.kubernetes.{table}]")
            lines.extend(f'  "{k}" = "{v}"' for k, v in mine.items())
    if not lines:
        return "Written to config.toml for this step: nothing, on this cluster kind."
    return "Written to config.toml:\n" + "\n".join(lines)
