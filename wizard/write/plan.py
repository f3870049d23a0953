"""Every artifact of one run, rendered in memory first, then written together."""

from __future__ import annotations

import base64
import binascii
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from wizard import kubeconfig as kc
from wizard.model import Answers
from wizard.paths import SYSTEM_CONFIG
from wizard.problems import InvalidAnswers, Problem
from wizard.secret import reveal
from wizard.sizing import billed_size
from wizard.state import runner_dir as runner_folder
from wizard.state import state_artifact
from wizard.validate import ECI_KINDS, kubeconfig_text, token_kind, validate_answers
from wizard.write import files
from wizard.write.ciexample import render_ci_example
from wizard.write.configtoml import ClusterAccess, merge_config
from wizard.write.daemon import merge_daemon_json
from wizard.write.files import Artifact, Fingerprint
from wizard.write.manifests import cache_documents, image_cache_document, render

log = logging.getLogger(__name__)

SECRET_MODE = 0o600


@dataclass
class Plan:
    """What the review shows and `write_plan` writes."""

    # Artifacts hold rendered secrets: shown by path only in the repr.
    artifacts: list[Artifact] = field(repr=False)
    manual_steps: list[str]  # what is left to do by hand, in order
    warnings: list[str]  # "field: message" lines the operator should read
    notes: list[str] = field(default_factory=list)  # plain facts (billed size…)
    config_path: Path = Path()
    out_dir: Path = Path()
    fingerprints: dict[Path, Fingerprint] = field(default_factory=dict, repr=False)
    secrets: list[str] = field(default_factory=list, repr=False)
    # Re-renders one target from its current bytes when it changed on disk.
    remergers: dict[Path, Callable[[bytes | None], bytes]] = field(
        default_factory=dict, repr=False
    )
    # A manual step that only a change of this file makes necessary.
    step_files: dict[str, Path] = field(default_factory=dict, repr=False)

    def steps_after(self, written: Iterable[Path]) -> list[str]:
        """The manual steps still to do once `written` files were replaced.

        A step tied to a file this run left unchanged was listed when that
        file was last written, so repeating it would send the operator to
        redo finished work.
        """
        changed = set(written)
        return [
            step
            for step in self.manual_steps
            if step not in self.step_files or self.step_files[step] in changed
        ]


def runner_name(answers: Answers) -> str:
    return answers.registration.name or answers.target.runner


def _read(path: Path, seen: dict[Path, files.Fingerprint]) -> str | None:
    """Read a file the plan merges into, remembering exactly what was read.

    The fingerprint is taken from the same bytes that are merged, so an edit
    made any time after this read is noticed before writing.
    """
    try:
        fp = files.fingerprint(path)
        seen[path] = fp
        return None if fp.content is None else fp.content.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidAnswers(
            [
                Problem(
                    str(path), f"cannot read: {getattr(exc, 'strerror', None) or exc}"
                )
            ]
        ) from None


def _decode(data: str, what: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidAnswers(
            [
                Problem(
                    "cluster.kubeconfig",
                    f"{what} is not valid base64; copy the kubeconfig again",
                )
            ]
        ) from None


def _file_or_data(
    entry: dict, data_key: str, path_key: str, what: str, base: Path | None = None
) -> bytes | None:
    """Inline base64 data, or the file a kubeconfig names (relative to itself)."""
    if data_key and entry.get(data_key):
        return _decode(str(entry[data_key]), what)
    if entry.get(path_key):
        path = Path(str(entry[path_key])).expanduser()
        if base is not None and not path.is_absolute():
            path = base / path
        try:
            return path.read_bytes()
        except OSError as exc:
            raise InvalidAnswers(
                [
                    Problem(
                        "cluster.kubeconfig",
                        f"{what} file {path} cannot be read ({exc.strerror}); "
                        "embed it as base64 (kubectl config view --raw --flatten)",
                    )
                ]
            ) from None
    return None


def cluster_access(
    answers: Answers, runner_dir: Path
) -> tuple[ClusterAccess, list[Artifact], list[str], list[str]]:
    """config.toml keys for the cluster, the files they name, steps and secrets."""
    text, _ = kubeconfig_text(answers)
    info = kc.parse_kubeconfig(text)
    # kubectl reads relative paths in a kubeconfig file relative to that file.
    c = answers.cluster
    base = None if c.kubeconfig else Path(c.kubeconfig_path).expanduser().parent
    ctx = info.context(c.context)
    assert ctx is not None  # validate_answers has rejected the answers otherwise
    artifacts: list[Artifact] = []
    steps: list[str] = []
    secrets: list[str] = []

    def add(name: str, content: bytes, label: str) -> str:
        path = runner_dir / name
        artifacts.append(Artifact(path, content, SECRET_MODE, True, label))
        return str(path)

    if ctx.credential not in kc.RUNNER_NATIVE and ctx.credential != kc.NONE:
        # config.toml cannot hold an exec plugin or auth-provider login, so the
        # runner has to read a kubeconfig of its own.
        content = kc.service_kubeconfig(info, ctx.name).encode()
        path = add(
            "kubeconfig", content, f"kubeconfig for the runner ({ctx.credential} login)"
        )
        steps.append(
            f"Its {ctx.credential} login cannot be written into config.toml, so the runner "
            f"must read {path}: run `sudo systemctl edit gitlab-runner`, add "
            f"`[Service]` / `Environment=KUBECONFIG={path}`, then "
            "`sudo systemctl restart gitlab-runner` (the plugin's command must be "
            "installed for the service's user too)"
        )
        return ClusterAccess(context=ctx.name), artifacts, steps, secrets

    access: dict[str, str] = {"host": ctx.server}
    cluster, user = ctx.cluster_entry, ctx.user_entry
    ca = _file_or_data(
        cluster,
        "certificate-authority-data",
        "certificate-authority",
        "the cluster CA",
        base=base,
    )
    if ca:
        access["ca_file"] = add("ca.crt", ca, "cluster CA certificate")
    if ctx.credential == kc.CERT:
        cert = _file_or_data(
            user,
            "client-certificate-data",
            "client-certificate",
            "the client certificate",
            base=base,
        )
        key = _file_or_data(
            user, "client-key-data", "client-key", "the client key", base=base
        )
        access["cert_file"] = add("client.crt", cert or b"", "client certificate")
        access["key_file"] = add("client.key", key or b"", "client private key")
        secrets.append((key or b"").decode("utf-8", "replace"))
    elif ctx.credential == kc.TOKEN:
        token = str(user.get("token") or "")
        if not token and user.get("tokenFile"):
            token = (
                (_file_or_data(user, "", "tokenFile", "the token", base=base) or b"")
                .decode()
                .strip()
            )
        access["bearer_token"] = token
        secrets.append(token)
    return ClusterAccess(**access), artifacts, steps, secrets


def _daemon_target(answers: Answers, out_dir: Path) -> tuple[Path, bool]:
    """Where daemon.json goes: in place when writable, else a copy in the out dir."""
    path = Path(answers.images.daemon_json).expanduser()
    # The same test the write makes before touching anything, so a daemon.json
    # of another user goes to the out folder instead of failing the write.
    writable = not files.preflight([path]) and (
        os.access(path, os.W_OK) if path.exists() else os.access(path.parent, os.W_OK)
    )
    return (path, True) if writable else (out_dir / "daemon.json", False)


def build_plan(answers: Answers, *, config_path: Path, out_dir: Path) -> Plan:
    """Render every artifact in memory; raise InvalidAnswers and write nothing on error."""
    problems = validate_answers(answers)
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise InvalidAnswers(errors)
    warnings = [str(p) for p in problems if p.level == "warning"]
    config_path = Path(config_path).absolute()
    out_dir = Path(out_dir).absolute()
    runner_dir = runner_folder(out_dir, runner_name(answers))

    seen: dict[Path, files.Fingerprint] = {}
    step_files: dict[str, Path] = {}
    access, artifacts, steps, secrets = cluster_access(answers, runner_dir)
    notes: list[str] = []
    remergers: dict[Path, Callable[[bytes | None], bytes]] = {}
    c, i = answers.cache, answers.images
    secrets += [
        reveal(answers.registration.runner_token),
        reveal(answers.registration.token),
    ]
    secrets += [reveal(c.access_key_secret)]

    if c.mode in ("csi", "flexvolume"):
        path = runner_dir / "oss-cache.yaml"
        content = render(cache_documents(answers)).encode()
        what = (
            "Secret, PersistentVolume and PersistentVolumeClaim"
            if c.mode == "csi"
            else "PersistentVolume and PersistentVolumeClaim (flexVolume)"
        )
        artifacts.append(
            Artifact(path, content, SECRET_MODE, True, f"OSS cache: {what}")
        )
        steps.append(
            f"kubectl apply -f {path}   # the OSS cache volume, in namespace {answers.cluster.namespace}"
        )
        step_files[steps[-1]] = path
    if i.precache and answers.cluster.kind in ECI_KINDS:
        path = runner_dir / "imagecache.yaml"
        artifacts.append(
            Artifact(
                path,
                render([image_cache_document(answers)]).encode(),
                0o644,
                False,
                "ECI ImageCache",
            )
        )
        steps.append(
            f"kubectl apply -f {path}   # billed as a snapshot for as long as it exists; "
            "creating it needs internet egress for public images"
        )
        step_files[steps[-1]] = path
    if answers.networking.ci_example:
        path = runner_dir / "gitlab-ci.example.yml"
        artifacts.append(
            Artifact(
                path,
                render_ci_example(answers).encode(),
                0o644,
                False,
                ".gitlab-ci.yml example",
            )
        )
        steps.append(f"Use {path} as a model for your .gitlab-ci.yml")
        step_files[steps[-1]] = path

    if i.mirror:
        daemon_path, in_place = _daemon_target(answers, out_dir)
        source = Path(i.daemon_json).expanduser()
        current = _read(source, seen)

        def remerge_daemon(
            now: bytes | None, mirror=i.mirror, name=str(source)
        ) -> bytes:
            return merge_daemon_json(
                now.decode() if now else None, mirror, name=name
            ).encode()

        content = merge_daemon_json(current, i.mirror, name=str(source)).encode()
        artifacts.append(
            Artifact(
                daemon_path,
                content,
                0o644,
                False,
                "docker daemon.json with the registry mirror",
            )
        )
        if in_place:
            remergers[daemon_path] = remerge_daemon
            steps.append(
                "sudo systemctl restart docker   # docker reads daemon.json only at start"
            )
            step_files[steps[-1]] = daemon_path
        else:
            why = (
                f"{source} was not writable for this user"
                if source.parent.is_dir()
                else f"the folder {source.parent} does not exist; is docker installed "
                "on this host? create it first"
            )
            steps.append(
                f"sudo install -m 644 {daemon_path} {source} && sudo systemctl restart docker"
                f"   # {why}"
            )

    existing = _read(config_path, seen)
    if existing:
        _refuse_wrong_types(existing, answers, str(config_path))
    merged = merge_config(existing, answers, access, name=str(config_path))
    notes += merged.notes

    def remerge_config(now: bytes | None) -> bytes:
        return merge_config(
            now.decode() if now else None, answers, access, name=str(config_path)
        ).text.encode()

    # The wizard's own state file (answers no other file holds; no secrets),
    # beside this runner's other files, for --screen and later runs.
    artifacts.append(state_artifact(answers, runner_dir))

    # config.toml goes last: the runner reloads it within seconds, and the
    # files it names must exist by then.
    artifacts.append(
        Artifact(
            config_path,
            merged.text.encode(),
            SECRET_MODE,
            True,
            "GitLab Runner config.toml",
        )
    )
    remergers[config_path] = remerge_config

    size = billed_size(answers)
    if size.platform:
        notes.append(
            f"each job pod is billed as {size} ({size.platform.upper()}, from the {size.basis})"
        )
    steps += _manual_steps(answers)
    # The runner service reads /etc/gitlab-runner/config.toml; any other file
    # has to be named, or `verify` checks the wrong one.
    verify = (
        "sudo gitlab-runner verify"
        if config_path == SYSTEM_CONFIG
        else f"gitlab-runner verify -c {config_path}"
    )
    steps.append(
        f"A gitlab-runner using {config_path} reloads it by itself within seconds; "
        f"check with `{verify}` and run a pipeline"
    )
    fingerprints = {
        a.path: seen.get(a.path) or files.fingerprint(a.path) for a in artifacts
    }
    log.info("plan: %d artifacts, %d steps", len(artifacts), len(steps))
    return Plan(
        artifacts=artifacts,
        manual_steps=steps,
        warnings=warnings,
        notes=notes,
        config_path=config_path,
        out_dir=out_dir,
        fingerprints=fingerprints,
        secrets=[s for s in secrets if s],
        remergers=remergers,
        step_files=step_files,
    )


def _refuse_wrong_types(text: str, answers: Answers, name: str) -> None:
    """Stop when a value the runner refuses sits in the entry edited or the globals.

    Merging next to such a value would write a file the runner cannot load
    (and report success); values in other entries are left to their owners.
    """
    from wizard.lint import MalformedFileError, lint_config, parse_config

    try:
        runners = parse_config(text, name).unwrap().get("runners")
    except MalformedFileError:
        return  # merge_config reports a file that does not parse
    names = [
        r.get("name") if isinstance(r, dict) else None
        for r in (runners if isinstance(runners, list) else [])
    ]
    edited = runner_name(answers)
    own = (
        f"runners[{names.index(edited)}]"
        if answers.target.mode == "edit" and edited in names
        else None
    )
    blocking = [
        f.problem
        for f in lint_config(text, name)
        if f.code == "wrong-type"
        and f.problem.level == "error"
        and (
            not f.problem.message.startswith("runners")
            or (
                own is not None and f.problem.message.startswith((f"{own}.", f"{own}:"))
            )
        )
    ]
    if blocking:
        raise InvalidAnswers(
            [
                Problem(
                    p.field,
                    f"{p.message} (fix this value first: the wizard would write "
                    "next to it a file the runner cannot load)",
                )
                for p in blocking
            ]
        )


def _manual_steps(answers: Answers) -> list[str]:
    steps = []
    n, i = answers.networking, answers.images
    if n.egress == "nat":
        vsw = ", ".join(answers.cluster.vswitch_ids) or "the pods' vSwitches"
        steps.append(
            f"Pods reach the internet through a NAT gateway: make sure the VPC has one "
            f"with an SNAT entry covering {vsw} (it has a standing fee)"
        )
    elif n.egress == "none":
        steps.append(
            "Pods have no internet: push every build and service image, and the helper "
            f"image {i.helper_image}, to your own registry before running jobs"
        )
    if i.helper_image:
        steps.append(
            f"Make sure {i.helper_image} exists in your registry (copy it from "
            "registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper with the same tag)"
        )
    if token_kind(reveal(answers.registration.token)) == "registration":
        steps.append(
            "In GitLab's admin area (Runners), check the runner: a newly registered "
            "runner may show as locked to its project until you change that"
        )
    return steps


def write_plan(plan: Plan) -> files.WriteReport:
    """Write every artifact through wizard.write.files (diff, backup, atomic replace)."""

    def remerge(art: Artifact, now: bytes | None) -> Artifact:
        render_again = plan.remergers.get(art.path)
        if render_again is None:
            # A file only the wizard writes (a manifest, a key) is rewritten as planned.
            return art
        return Artifact(art.path, render_again(now), art.mode, art.secret, art.label)

    return files.write_artifacts(
        plan.artifacts, plan.fingerprints, remerge, secrets=plan.secrets
    )


def plan_for_options(answers: Answers, options) -> Plan:
    """The plan for the paths the answers name, else those of the command line."""
    from wizard.paths import resolve_config_path, resolve_out_dir

    config = answers.target.config or getattr(options, "config", "")
    config_path = resolve_config_path(config)
    out = answers.target.out_dir or getattr(options, "out_dir", "")
    out_dir = resolve_out_dir(out, config_path)
    return build_plan(answers, config_path=config_path, out_dir=out_dir)
