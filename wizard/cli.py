"""The command line: start the wizard, or apply an answers file without the UI."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from pathlib import Path

from wizard import __version__
from wizard.model import STEPS, Answers
from wizard.options import Options
from wizard.problems import InvalidAnswers, Problem

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_WRITE_FAILED = 1
EXIT_INVALID = 2  # invalid answers or config.toml: nothing written
EXIT_CHECKS_FAILED = 3  # a live check failed: nothing written
LOG_ENV = "ASK_RUNNER_WIZARD_LOG"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ask-runner-wizard",
        description=(
            "Set up GitLab Runner's Kubernetes executor on Alibaba Cloud serverless "
            "containers (ACK Serverless, ACS, ACK with virtual nodes)."
        ),
    )
    parser.add_argument(
        "-c",
        "--config",
        metavar="PATH",
        help="config.toml to edit (default: like gitlab-runner, "
        "/etc/gitlab-runner/config.toml as root, else ~/.gitlab-runner/config.toml; "
        "CONFIG_FILE also works)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="folder for the other artifacts (default: ask-runner-wizard/ beside config.toml)",
    )
    parser.add_argument(
        "--daemon-json",
        metavar="PATH",
        help="docker daemon.json that gets the registry mirror "
        "(default /etc/docker/daemon.json; overrides images.daemon_json)",
    )
    parser.add_argument(
        "--answers", metavar="FILE", help="answers file (TOML); with --yes, no UI"
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help="apply the answers file without asking (needs --answers)",
    )
    parser.add_argument("--offline", action="store_true", help="skip the live checks")
    parser.add_argument(
        "--runner", metavar="NAME", help="the [[runners]] entry to edit"
    )
    parser.add_argument(
        "--screen", metavar="NAME", choices=STEPS, help="open this step first"
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    return parser


def log_path() -> Path:
    """Where the log goes: $ASK_RUNNER_WIZARD_LOG, else the XDG state folder."""
    if os.environ.get(LOG_ENV):
        return Path(os.environ[LOG_ENV]).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "ask-runner-wizard" / "wizard.log"


class _LogFileHandler(logging.StreamHandler):
    """A handler on the log file opened by configure_logging; closing closes it."""

    def close(self) -> None:
        try:
            self.flush()
            self.stream.close()
        finally:
            super().close()


def configure_logging() -> Path | None:
    """Log to a file only: the terminal belongs to the UI and to the report."""
    root = logging.getLogger()
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Private even though it holds no secret: 0600, also when it existed
        # with another mode, and never through a symlink someone planted.
        fd = os.open(
            path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600
        )
        try:
            os.fchmod(fd, 0o600)
            stream = os.fdopen(fd, "a", encoding="utf-8")
        except OSError:
            os.close(fd)
            raise
        handler: logging.Handler = _LogFileHandler(stream)
    except OSError:
        handler, path = logging.NullHandler(), None
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    # Replace only a handler of an earlier run in this process (tests call
    # main() repeatedly); handlers others installed stay.
    for old in [h for h in root.handlers if getattr(h, "_wizard_log", False)]:
        root.removeHandler(old)
        old.close()
    handler._wizard_log = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def _print_problems(title: str, problems: list[Problem]) -> None:
    print(title, file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)


def _options(args: argparse.Namespace) -> Options:
    return Options(
        config=args.config or "",
        out_dir=args.out or "",
        offline=args.offline,
        runner=args.runner or "",
        screen=args.screen or "",
        answers_path=args.answers or "",
        daemon_json=args.daemon_json or "",
    )


def _apply_flags(answers: Answers, options: Options) -> None:
    """Command-line flags win over the answers file."""
    if options.config:
        answers.target.config = options.config
    if options.out_dir:
        answers.target.out_dir = options.out_dir
    if options.daemon_json:
        answers.images.daemon_json = options.daemon_json
    if options.runner:
        answers.target.runner = options.runner
        answers.target.mode = "edit"


def run_answers(options: Options) -> int:
    """The non-interactive path: load, validate, check, plan, write, report."""
    from wizard.write.files import PartialWriteError, WriteRefusedError
    from wizard.write.plan import plan_for_options, write_plan

    try:
        answers, changed = _answers_for_run(options)
        # Flags can change the target, so the plan validates again.
        plan = plan_for_options(_planning_answers(answers, options), options)
        plan.notes[:0] = changed
    except InvalidAnswers as exc:
        log.info("invalid answers: %d problem(s)", len(exc.problems))
        _print_problems(
            f"{options.answers_path}: nothing was written, fix these first:",
            exc.problems,
        )
        return EXIT_INVALID
    print_lint(plan.config_path)

    if not options.offline:
        code = _live_checks(answers, options)
        if code:
            return code
        try:
            # The runner token obtained by the checks goes into config.toml.
            plan = plan_for_options(answers, options)
            plan.notes[:0] = changed
        except InvalidAnswers as exc:
            _print_problems("nothing was written:", exc.problems)
            return EXIT_INVALID

    try:
        report = write_plan(plan)
    except InvalidAnswers as exc:
        _print_problems("nothing was written:", exc.problems)
        return EXIT_INVALID
    except WriteRefusedError as exc:
        print("nothing was written; fix this first:", file=sys.stderr)
        for reason in exc.reasons:
            print(f"  {reason}", file=sys.stderr)
        return EXIT_WRITE_FAILED
    except PartialWriteError as exc:
        # The message lists what was written, what was not, and the fix.
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_WRITE_FAILED
    except (OSError, RuntimeError) as exc:
        log.error("write failed: %s", type(exc).__name__)
        print(f"error: writing failed: {exc}", file=sys.stderr)
        return EXIT_WRITE_FAILED

    labels = {a.path: a.label for a in plan.artifacts}
    print("Written:" if report.written else "Nothing needed writing.")
    for path in report.written:
        print(f"  {path}  ({labels.get(path, '')})")
    for path in report.unchanged:
        print(f"  {path}  (already up to date)")
    for path, saved in report.backups.items():
        print(f"  backup of {path}: {saved}")
    if plan.warnings:
        print("\nWarnings:")
        for warning in plan.warnings:
            print(f"  {warning}")
    if plan.notes:
        print("\nNotes:")
        for note in plan.notes:
            print(f"  {note}")
    print("\nLeft to do by hand:")
    for number, step in enumerate(plan.steps_after(report.written), 1):
        print(f"  {number}. {step}")
    if answers.review.apply and options.offline:
        print(
            "\nApply skipped: [review] apply = true, but --offline makes no "
            "connection to the cluster; apply the manifests as listed above"
        )
    if not options.offline and answers.review.apply:
        return _apply_manifests(answers, options)
    return EXIT_OK


def _answers_for_run(options: Options) -> tuple[Answers, list[str]]:
    """The answers to apply and, when editing, what they change of the earlier ones.

    Editing starts from what the earlier run wrote (config.toml entry,
    manifests, state) and changes only the keys the answers file gives, so a
    file answering one step keeps every other setting.
    """
    from wizard.answers import changed_answers, read_answers
    from wizard.validate import validate_answers

    answers, problems = read_answers(options.answers_path)
    _apply_flags(answers, options)
    changed: list[str] = []
    target_ok = not any(
        p.field.startswith("target.") and p.level == "error"
        for p in validate_answers(answers)
    )
    if not problems and target_ok and answers.target.mode == "edit":
        daemon = (
            Path(options.daemon_json)
            if options.daemon_json
            else _given_daemon_json(options.answers_path)
        )
        earlier = _earlier_answers(answers, daemon)
        answers, problems = read_answers(options.answers_path, start=earlier)
        _apply_flags(answers, options)
        changed = changed_answers(earlier, answers)
    # Values are validated even when the structure had problems, so one run
    # lists every mistake in the file.
    # A field the file got wrong already has its message; the value check
    # would only repeat it in other words.
    reported = {p.field for p in problems}
    problems += [
        p
        for p in validate_answers(answers)
        if p.level == "error" and p.field not in reported
    ]
    if problems:
        raise InvalidAnswers(problems)
    return answers, changed


def _given_daemon_json(path: str) -> Path | None:
    """The daemon.json the answers file names, None when it names none."""
    from wizard.answers import answers_data

    data = answers_data(path)
    images = data.get("images")
    given = images.get("daemon_json") if isinstance(images, dict) else None
    return Path(given) if isinstance(given, str) and given else None


def _earlier_answers(answers: Answers, daemon: Path | None) -> Answers:
    """What the entry to edit holds now; InvalidAnswers when it cannot be read."""
    from wizard.lint import MalformedFileError
    from wizard.paths import resolve_config_path, resolve_out_dir
    from wizard.readback import ReadbackError, read_existing

    t = answers.target
    config = resolve_config_path(t.config)
    if not config.is_file():
        raise InvalidAnswers(
            [
                Problem(
                    "target.config",
                    f"{config} does not exist, so there is no runner entry to edit; "
                    'use mode = "new", or point --config at the existing config.toml',
                )
            ]
        )
    try:
        loaded = read_existing(
            config,
            resolve_out_dir(t.out_dir, config),
            t.runner or None,
            daemon_json=daemon,
        )
    except MalformedFileError as exc:
        raise InvalidAnswers([exc.problem]) from None
    except ReadbackError as exc:
        raise InvalidAnswers([Problem("target.runner", str(exc))]) from None
    except OSError as exc:
        where = exc.filename or config
        raise InvalidAnswers(
            [Problem(str(where), f"cannot read it to edit: {exc.strerror or exc}")]
        ) from None
    for problem in loaded.problems:
        log.warning("reading back: %s", problem)
    return loaded.answers


def _live_checks(answers: Answers, options: Options) -> int:
    try:
        from wizard.checks.runner import failed, run_checks
    except ImportError:
        print(
            "error: live checks are not available in this build; run with --offline",
            file=sys.stderr,
        )
        return EXIT_CHECKS_FAILED
    outcomes = run_checks(answers, options.timeouts, confirmed=True)
    bad = failed(outcomes)
    for outcome in outcomes:
        print(f"check {outcome}")
    if bad:
        print(
            f"{len(bad)} live check(s) failed: nothing was written "
            "(fix them, or use --offline to skip the checks)",
            file=sys.stderr,
        )
        return EXIT_CHECKS_FAILED
    return _obtain_token(answers, outcomes, options)


# --- live-check hooks (wizard.checks): token at write time, apply after ------


def _planning_answers(answers: Answers, options: Options) -> Answers:
    """Answers to validate the plan with before a registration token is exchanged."""
    if options.offline:
        return answers
    from wizard.checks.runner import with_pending_token

    return with_pending_token(answers)


def _obtain_token(answers: Answers, outcomes, options: Options) -> int:
    from wizard.checks.common import CheckFailed
    from wizard.checks.runner import prepare_for_write

    try:
        said = prepare_for_write(answers, outcomes, options.timeouts)
    except CheckFailed as exc:
        print(
            f"error: registration: {exc.message}; nothing was written", file=sys.stderr
        )
        return EXIT_CHECKS_FAILED
    if said:
        print(said)
    return EXIT_OK


def _apply_manifests(answers: Answers, options: Options) -> int:
    from wizard.checks.common import CheckFailed
    from wizard.checks.runner import apply_after_write

    try:
        done = apply_after_write(answers, options.timeouts)
    except CheckFailed as exc:
        print(
            f"error: the files are written, but applying failed: {exc.message}; "
            "apply them by hand as listed above",
            file=sys.stderr,
        )
        return EXIT_CHECKS_FAILED
    if done:
        print("\nApplied (server-side, field manager ask-runner-wizard):")
        for label in done:
            print(f"  {label}")
    return EXIT_OK


def run_ui(options: Options) -> int:
    """Start the Textual wizard, prefilled from an answers file when one is given."""
    answers = Answers()
    if options.answers_path:
        from wizard.answers import read_answers

        try:
            answers, problems = read_answers(options.answers_path)
        except InvalidAnswers as exc:
            _print_problems(f"{options.answers_path}:", exc.problems)
            return EXIT_INVALID
        if problems:
            _print_problems(f"{options.answers_path}:", problems)
            return EXIT_INVALID
    elif options.screen or options.runner:
        # --screen NAME or --runner NAME start from what an earlier run wrote.
        answers, code = load_existing_answers(options)
        if code:
            return code
    _apply_flags(answers, options)
    # Before Textual is imported: it reads ESCDELAY once, at import.
    from screens.terminal import prefer_ssh_escape_delay

    prefer_ssh_escape_delay()
    from screens.app import run_wizard

    return run_wizard(answers, options)


def print_lint(config_path: Path) -> None:
    """Mistakes in config.toml the runner ignores or refuses; the wizard fixes none here."""
    from wizard.lint import lint_config

    try:
        text = Path(config_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    findings = lint_config(text, str(config_path))
    if not findings:
        return
    print(
        f"{config_path}: {len(findings)} problem(s) found before merging "
        "(the interactive wizard offers the fixes):",
        file=sys.stderr,
    )
    for finding in findings:
        print(f"  {finding.problem.level}: {finding.problem}", file=sys.stderr)


def load_existing_answers(options: Options) -> tuple[Answers, int]:
    """The answers an earlier run left (config.toml, manifests, state) and an exit code."""
    from wizard.lint import MalformedFileError
    from wizard.paths import resolve_config_path, resolve_out_dir
    from wizard.readback import ReadbackError, read_existing

    config = resolve_config_path(options.config)
    out_dir = resolve_out_dir(options.out_dir, config)
    try:
        loaded = read_existing(
            config,
            out_dir,
            options.runner or None,
            daemon_json=Path(options.daemon_json) if options.daemon_json else None,
        )
    except MalformedFileError as exc:
        _print_problems("nothing was written; fix this file first:", [exc.problem])
        return Answers(), EXIT_INVALID
    except ReadbackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return Answers(), EXIT_INVALID
    for problem in loaded.problems:
        log.warning("reading back: %s", problem)
    if loaded.asked_again:
        log.info("to ask again: %s", ", ".join(loaded.asked_again))
    return loaded.answers, EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point of `ask-runner-wizard` and `python -m wizard`."""
    # Start-up creates a few hundred thousand objects (Textual's modules, the
    # first screen) that all live on, so collection passes over them find
    # nothing; they took about a fifth of the time to the first screen.
    # The wizard turns collection back on once that screen is drawn
    # (screens.terminal.startup_over); every other path turns it on here.
    gc.disable()
    try:
        return _main(argv)
    finally:
        gc.enable()


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.yes and not args.answers:
        parser.error("--yes needs --answers FILE")
    where = configure_logging()
    log.info(
        "ask-runner-wizard %s started (answers file: %s)",
        __version__,
        bool(args.answers),
    )
    options = _options(args)
    if args.answers and args.yes:
        return run_answers(options)
    if where is None:
        print("note: no log file could be created", file=sys.stderr)
    return run_ui(options)
