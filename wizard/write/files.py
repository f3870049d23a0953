"""Writing artifacts safely: a masked diff first, then a backup, then an atomic replace.

The flow the plan, the CLI and the review screen share:

1. `fingerprint(path)` when a target is read (content, size, mtime, hash);
2. `diff_artifacts(artifacts)` for the review: one masked unified diff per file;
3. `write_artifacts(artifacts, read_fingerprints, remerge)`: files whose bytes
   are unchanged are not touched; a file that changed on disk since it was
   read is merged again through `remerge` instead of being overwritten; every
   other file gets a timestamped backup and an atomic replace.
"""

from __future__ import annotations

import base64
import datetime as dt
import difflib
import errno
import hashlib
import logging
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wizard.secret import mask

log = logging.getLogger(__name__)

BACKUPS_KEPT = 5
SECRET_MODE = 0o600
# A remerge that keeps losing the race to another writer gives up after this.
REMERGE_ATTEMPTS = 3
# Temporary files of a killed writer are removed once they are this old, so
# a writer that is still running is never robbed of its temporary file.
STALE_TEMP_SECONDS = 60.0


@dataclass(frozen=True)
class Artifact:
    """One file the wizard writes, fully rendered before anything touches disk."""

    path: Path
    content: bytes
    # For a new file; a replaced file keeps its mode, except that secrets and
    # owner-only artifacts (0600, the state file) are always made 0600.
    mode: int = 0o644
    secret: bool = False  # holds credentials: mode 0600, masked in diffs
    label: str = ""  # one line for the review screen: what this file is


@dataclass(frozen=True)
class Fingerprint:
    """What a file was when it was read; `content` lets a change be shown."""

    exists: bool
    size: int = 0
    mtime_ns: int = 0
    sha256: str = ""
    content: bytes | None = field(default=None, repr=False, compare=False)

    def same_content(self, other: Fingerprint) -> bool:
        """True when both describe the same bytes (a mere touch is no change)."""
        return self.exists == other.exists and self.sha256 == other.sha256


@dataclass(frozen=True)
class FileDiff:
    """What writing one artifact would do to its file, secrets masked."""

    path: Path
    status: str  # "new", "changed", "unchanged"
    diff: str  # unified diff, "" when unchanged
    secret: bool = False
    label: str = ""


@dataclass(frozen=True)
class DiskChange:
    """A target that changed on disk after the wizard read it."""

    path: Path
    diff: str  # what changed on disk (masked), "" when the old text is unknown


@dataclass
class WriteReport:
    """What `write_artifacts` did, file by file."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    backups: dict[Path, Path] = field(default_factory=dict)
    remerged: list[DiskChange] = field(default_factory=list)
    mode_fixed: list[Path] = field(default_factory=list)


class ConcurrentChangeError(RuntimeError):
    """Targets changed on disk since they were read, and no remerge was given."""

    def __init__(self, changes: list[DiskChange]):
        names = ", ".join(str(c.path) for c in changes)
        super().__init__(
            f"changed on disk since the wizard read them: {names}; "
            "load them again and review the changes before writing"
        )
        self.changes = changes


class WriteRefusedError(RuntimeError):
    """A target cannot be written; found before any file was touched."""

    def __init__(self, reasons: list[str]):
        super().__init__("nothing was written: " + "; ".join(reasons))
        self.reasons = reasons


class PartialWriteError(RuntimeError):
    """Writing stopped midway: some files are new, the rest are as they were."""

    def __init__(
        self, failed: Path, cause: OSError, written: list[Path], left: list[Path]
    ):
        done = ", ".join(str(p) for p in written) or "none"
        rest = ", ".join(str(p) for p in left)
        super().__init__(
            f"writing {failed} failed ({cause.strerror or cause}); already written: "
            f"{done}; not written: {rest}. Fix the cause and run again: the files "
            "already written are rewritten only if they differ, and each earlier "
            "version is kept as a .bak beside it"
        )
        self.failed = failed
        self.written = written
        self.left = left


Remerge = Callable[[Artifact, bytes | None], Artifact]


# --- preflight ---------------------------------------------------------------

_FIX = "run with sudo, or choose --config/--out in a folder you own"


def _writable(st: os.stat_result, uid: int) -> bool:
    """Whether `uid` may write (and, for a folder, enter) an inode, from its mode."""
    if uid == 0:
        return True
    need = stat.S_IWUSR | (stat.S_IXUSR if stat.S_ISDIR(st.st_mode) else 0)
    shift = 0  # owner bits
    if st.st_uid != uid:
        mine = uid == os.geteuid()
        groups = set(os.getgroups()) | {os.getegid()} if mine else set()
        shift = 3 if st.st_gid in groups else 6
    return st.st_mode & (need >> shift) == need >> shift


def _preflight_one(path: Path, uid: int) -> str:
    """Why `path` cannot be written by `uid` with a backup and a rename; "" when it can."""
    path = _real_target(Path(path))
    folder = path.parent
    existing = folder  # the nearest folder that exists: where mkdir starts
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return (
            f"{existing} is not a folder, so no file can be created below it; "
            "move it away or choose another --config/--out"
        )
    if not _writable(existing.stat(), uid):
        what = "create a folder in" if existing != folder else "write in"
        return f"cannot {what} {existing} (not writable for this user); {_FIX}"
    try:
        target = path.lstat() if path.exists() else None
    except OSError:
        target = None
    if target is None:
        return ""
    if not stat.S_ISREG(target.st_mode):
        return (
            f"{path} is not a regular file; move it away or choose another "
            "--config/--out"
        )
    if uid != 0 and target.st_uid != uid:
        # A rename would replace it with a file of this user, silently changing
        # the owner a service may rely on.
        return f"{path} belongs to another user (uid {target.st_uid}); {_FIX}"
    if not _writable(target, uid):
        return f"{path} is read-only for this user; {_FIX}"
    return ""


def preflight(paths: Iterable[Path], *, uid: int | None = None) -> list[str]:
    """Every reason the targets cannot all be written, before any is touched."""
    uid = os.geteuid() if uid is None else uid
    reasons = []
    for path in paths:
        reason = _preflight_one(Path(path), uid)
        if reason and reason not in reasons:
            reasons.append(reason)
    return reasons


# --- fingerprints ----------------------------------------------------------


def fingerprint(path: Path) -> Fingerprint:
    """Read `path` and describe it; a missing file has `exists=False`."""
    try:
        # Non-blocking open and a type check first: a FIFO would wait for a
        # writer and a device such as /dev/zero would never end.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with open(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise OSError(errno.EINVAL, "not a regular file", str(path))
            data = fh.read()
    except (FileNotFoundError, NotADirectoryError):
        # Under a file instead of a folder: it does not exist either; the
        # preflight before writing says why it cannot be created.
        return Fingerprint(exists=False)
    return Fingerprint(
        exists=True,
        size=len(data),
        mtime_ns=st.st_mtime_ns,
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
    )


# --- atomic replace and backups --------------------------------------------


def _real_target(path: Path) -> Path:
    # Writing through a symlink keeps the link: replacing it with a regular
    # file would silently detach config.toml from where the link points.
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return  # some filesystems refuse to open folders; the rename still held
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_temps(folder: Path, name: str) -> None:
    pattern = re.compile(rf"^\.{re.escape(name)}\.[^/]+\.tmp$")
    now = time.time()
    for entry in folder.iterdir():
        if not pattern.match(entry.name):
            continue
        try:
            if now - entry.stat().st_mtime > STALE_TEMP_SECONDS:
                entry.unlink()
        except OSError:
            pass


def atomic_write(path: Path, data: bytes, mode: int, *, secret: bool = False) -> None:
    """Replace `path` with `data` so a reader sees the old or the new file, never half.

    A replaced file keeps its owner and mode; `mode` applies to a new file;
    a secret file is always 0600.
    """
    path = _real_target(Path(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        old = os.stat(path)
    except FileNotFoundError:
        old = None
    if secret:
        final_mode = SECRET_MODE
    elif old is not None:
        final_mode = stat.S_IMODE(old.st_mode)
    else:
        final_mode = mode
    _remove_stale_temps(path.parent, path.name)

    # Created 0600 by mkstemp, so a secret is never readable even for a moment.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            os.fchmod(fh.fileno(), final_mode)
            if old is not None and (old.st_uid, old.st_gid) != (
                os.geteuid(),
                os.getegid(),
            ):
                try:
                    os.fchown(fh.fileno(), old.st_uid, old.st_gid)
                except PermissionError:
                    log.warning(
                        "%s: cannot keep owner %d:%d (not running as root); "
                        "the new file belongs to the current user",
                        path,
                        old.st_uid,
                        old.st_gid,
                    )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _backup_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(name)}\.(\d{{8}}T\d{{6}}\.\d{{6}}Z)(-\d+)?\.bak$")


def backups_of(path: Path) -> list[Path]:
    """The backups of `path`, oldest first."""
    path = Path(path)
    if not path.parent.is_dir():
        return []
    pattern = _backup_pattern(path.name)
    found = []
    for entry in path.parent.iterdir():
        m = pattern.match(entry.name)
        if m:
            found.append((m.group(1), int((m.group(2) or "-0")[1:]), entry))
    return [entry for *_, entry in sorted(found)]


def backup(
    path: Path, *, keep: int = BACKUPS_KEPT, secret: bool = False
) -> Path | None:
    """Copy the current `path` to `<name>.<UTC time>.bak` beside it; keep the last `keep`."""
    path = _real_target(Path(path))
    try:
        data = path.read_bytes()
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    target = path.with_name(f"{path.name}.{stamp}.bak")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.{stamp}-{n}.bak")
        n += 1
    # A backup is never more readable than its original, and a secret's is 0600.
    atomic_write(target, data, SECRET_MODE if secret else mode, secret=secret)
    for old in backups_of(path)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return target


# --- masking and diffs -----------------------------------------------------

# Key names whose values are credentials, compared case-insensitively.
SECRET_KEYS = frozenset(
    {
        "token",
        "bearer_token",
        "runner_token",
        "registration_token",
        "personal_access_token",
        "akid",
        "aksecret",
        "access_key_id",
        "access_key_secret",
        "accesskey",
        "secretkey",
        "sessiontoken",
        "privatekey",
        "accountkey",
        "client-key-data",
        "id-token",
        "refresh-token",
        "password",
        "auth",
    }
)
# Kubernetes Secret sections: every key below them holds a credential.
_SECRET_SECTIONS = ("data", "stringData")

_TOML_KV = re.compile(r"""^(\s*)(["']?)([A-Za-z0-9_.\-]+)\2(\s*=\s*)(.*?)(\s*)$""")
_YAML_KV = re.compile(
    r"""^(\s*(?:-\s+)?)(["']?)([A-Za-z0-9_.\-]+)\2(\s*:)(\s+)(\S.*?)(\s*)$"""
)
_JSON_KV = re.compile(r'"([A-Za-z0-9_.\-]+)"(\s*:\s*)"((?:[^"\\]|\\.)*)"')
_SECTION = re.compile(r"^(\s*)(data|stringData):\s*$")
# In a secret file, a line that is one long word (a token file, base64 data)
# is the secret itself; headers, keys and list items are shown.
_BARE_SECRET = re.compile(r"^\s*[^\s\[\]{}=:#\-\"'][^\s\[\]{}=:]{7,}\s*$")
_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
_PEM_END = re.compile(r"-----END [A-Z ]*PRIVATE KEY-----")


def mask_value(raw: str) -> str:
    """Mask a value as written in a file, keeping its quotes and any comment."""
    for q in ('"', "'"):
        if raw.startswith(q):
            end = raw.find(q, 1)
            if end > 0:
                return q + mask(raw[1:end]) + q + raw[end + 1 :]
    return mask(raw)


def _with_encodings(values: Iterable[str]) -> list[str]:
    out = []
    for v in values:
        if v and len(v) >= 4:
            out.append(v)
            out.append(base64.b64encode(v.encode()).decode())
            # Lines are masked one by one, so a multi-line secret (a PEM key)
            # is looked for line by line too.
            out += [
                p.strip()
                for p in v.splitlines()
                if len(p.strip()) >= 12 and not p.startswith("-----")
            ]
    # Longest first, so a value is never half-masked by a shorter one inside it.
    return sorted(set(out), key=len, reverse=True)


def _mask_group(m: re.Match[str], group: int) -> str:
    """The matched line with only its value group masked; the rest kept as typed."""
    return (
        m.string[: m.start(group)]
        + mask_value(m.group(group))
        + m.string[m.end(group) :]
    )


def mask_lines(
    lines: Sequence[str], *, secret: bool = False, secrets: Iterable[str] = ()
) -> list[str]:
    """Mask credentials line by line; the result has one line per input line.

    Known secret values (and their base64 form) are masked wherever they
    appear; values of known secret keys in TOML, YAML and JSON are masked;
    private-key PEM bodies and Kubernetes Secret data are masked. In a file
    that is a secret as a whole, a line with no key is masked entirely.
    """
    values = _with_encodings(secrets)
    out: list[str] = []
    in_pem = False
    section_indent: int | None = None
    for line in lines:
        body = line.rstrip("\r\n")
        end = line[len(body) :]
        masked = body
        for v in values:
            masked = masked.replace(v, mask(v))

        indent = len(body) - len(body.lstrip())
        if section_indent is not None and body.strip() and indent <= section_indent:
            section_indent = None

        if in_pem:
            if _PEM_END.search(body):
                in_pem = False
            else:
                masked = mask(body.strip()) if body.strip() else body
        elif _PEM_BEGIN.search(body):
            in_pem = True
        elif section_indent is not None and (m := _YAML_KV.match(masked)):
            masked = _mask_group(m, 6)
        elif m := _SECTION.match(body):
            section_indent = len(m.group(1))
        elif (m := _TOML_KV.match(masked)) and m.group(3).lower() in SECRET_KEYS:
            masked = _mask_group(m, 5)
        elif (m := _YAML_KV.match(masked)) and m.group(3).lower() in SECRET_KEYS:
            masked = _mask_group(m, 6)
        elif '"' in masked and ":" in masked:
            masked = _JSON_KV.sub(
                lambda m: (
                    f'"{m.group(1)}"{m.group(2)}"{mask(m.group(3))}"'
                    if m.group(1).lower() in SECRET_KEYS
                    else m.group(0)
                ),
                masked,
            )
        elif secret and _BARE_SECRET.match(body):
            masked = body[: len(body) - len(body.lstrip())] + mask(body.strip())
        out.append(masked + end)
    return out


def mask_text(text: str, *, secret: bool = False, secrets: Iterable[str] = ()) -> str:
    """`mask_lines` over a whole text."""
    return "".join(
        mask_lines(text.splitlines(keepends=True), secret=secret, secrets=secrets)
    )


def _decode(data: bytes | None) -> list[str]:
    if data is None:
        return []
    return data.decode("utf-8", errors="replace").splitlines(keepends=True)


def unified_diff(
    old: bytes | None,
    new: bytes | None,
    name: str,
    *,
    secret: bool = False,
    secrets: Iterable[str] = (),
    context: int = 3,
) -> str:
    """A unified diff of two versions of a file, with every secret masked.

    The diff is computed on the real text and printed from the masked text,
    so a changed secret still shows as a changed line.
    """
    a, b = _decode(old), _decode(new)
    secrets = list(secrets)
    ma = mask_lines(a, secret=secret, secrets=secrets)
    mb = mask_lines(b, secret=secret, secrets=secrets)
    groups = list(
        difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context)
    )
    if not groups:
        return ""
    out = [
        # An absolute path would read "a//tmp/..." after the prefix.
        f"--- {'/dev/null' if old is None else 'a/' + name.lstrip('/')}\n",
        f"+++ {'/dev/null' if new is None else 'b/' + name.lstrip('/')}\n",
    ]
    for group in groups:
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{_hunk_range(i1, i2)} +{_hunk_range(j1, j2)} @@\n")
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                out.extend(" " + line for line in ma[a1:a2])
                continue
            out.extend("-" + line for line in ma[a1:a2])
            out.extend("+" + line for line in mb[b1:b2])
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
        for line in out
    )


def _hunk_range(start: int, stop: int) -> str:
    length = stop - start
    first = start + 1 if length else start
    return f"{first}" if length == 1 else f"{first},{length}"


def diff_artifacts(
    artifacts: Iterable[Artifact], *, secrets: Iterable[str] = ()
) -> list[FileDiff]:
    """For the review: what writing each artifact would change, secrets masked."""
    secrets = list(secrets)
    result = []
    for art in artifacts:
        current = fingerprint(art.path).content
        if current == art.content:
            result.append(FileDiff(art.path, "unchanged", "", art.secret, art.label))
            continue
        text = unified_diff(
            current, art.content, str(art.path), secret=art.secret, secrets=secrets
        )
        status = "new" if current is None else "changed"
        result.append(FileDiff(art.path, status, text, art.secret, art.label))
    return result


# --- the write -------------------------------------------------------------


def detect_disk_changes(
    paths: Iterable[Path],
    read_fingerprints: Mapping[Path, Fingerprint],
    *,
    secrets: Iterable[str] = (),
) -> list[DiskChange]:
    """Targets whose bytes differ from what was read (shown before a remerge)."""
    secrets = list(secrets)
    changes = []
    for path in paths:
        before = read_fingerprints.get(Path(path))
        if before is None:
            continue
        now = fingerprint(Path(path))
        if before.same_content(now):
            continue
        diff = ""
        if before.content is not None or not before.exists:
            diff = unified_diff(
                before.content if before.exists else None,
                now.content,
                str(path),
                secrets=secrets,
            )
        changes.append(DiskChange(Path(path), diff))
    return changes


def write_artifacts(
    artifacts: Sequence[Artifact],
    read_fingerprints: Mapping[Path, Fingerprint] | None = None,
    remerge: Remerge | None = None,
    *,
    keep_backups: int = BACKUPS_KEPT,
    secrets: Iterable[str] = (),
) -> WriteReport:
    """Write what changed, in the given order, each file atomically after a backup.

    A target whose bytes differ from its fingerprint in `read_fingerprints` is
    given to `remerge(artifact, current_bytes)`, which must merge the wizard's
    answers into the current content again; without `remerge` nothing is
    written and ConcurrentChangeError is raised. Every artifact is settled
    before the first byte is written, so an error (a target that no longer
    parses, say) leaves every file as it was.
    """
    secrets = list(secrets)
    fingerprints = {Path(p): fp for p, fp in (read_fingerprints or {}).items()}
    report = WriteReport()

    planned: list[tuple[Artifact, Fingerprint]] = []
    conflicts: list[DiskChange] = []
    for art in artifacts:
        art, now, changes = _settle(
            art, fingerprints.get(Path(art.path)), remerge, secrets
        )
        if changes and remerge is None:
            conflicts.extend(changes)
            continue
        report.remerged.extend(changes)
        planned.append((art, now))
    if conflicts:
        raise ConcurrentChangeError(conflicts)
    reasons = preflight(
        art.path
        for art, seen in planned
        if not (seen.exists and seen.content == art.content)
    )
    if reasons:
        raise WriteRefusedError(reasons)

    for number, (art, seen) in enumerate(planned):
        try:
            _write_one(art, seen, remerge, secrets, report, keep_backups)
        except OSError as exc:
            left = [a.path for a, _ in planned[number:]]
            log.error("writing %s failed: %s", art.path, type(exc).__name__)
            raise PartialWriteError(art.path, exc, list(report.written), left) from exc
    return report


def _write_one(
    art: Artifact,
    seen: Fingerprint,
    remerge: Remerge | None,
    secrets: list[str],
    report: WriteReport,
    keep_backups: int,
) -> None:
    """Write one settled artifact (backup, atomic replace) and record it in `report`."""
    private = art.secret or art.mode & 0o077 == 0
    # Written since it was settled above (a few milliseconds ago): merge
    # again when we can. Without a remerge, the files already written stay
    # written; the window is a few system calls, the best a plain
    # filesystem allows.
    if not fingerprint(art.path).same_content(seen):
        if remerge is None:
            raise ConcurrentChangeError([DiskChange(art.path, "")])
        art, seen, changes = _settle(art, seen, remerge, secrets)
        report.remerged.extend(changes)
    if seen.exists and seen.content == art.content:
        if private and stat.S_IMODE(os.stat(art.path).st_mode) & 0o077:
            os.chmod(art.path, SECRET_MODE)
            report.mode_fixed.append(art.path)
        report.unchanged.append(art.path)
        return
    if seen.exists:
        saved = backup(art.path, keep=keep_backups, secret=private)
        if saved is not None:
            report.backups[art.path] = saved
    atomic_write(art.path, art.content, art.mode, secret=private)
    log.info("wrote %s (%d bytes)", art.path, len(art.content))
    report.written.append(art.path)


def _settle(
    art: Artifact,
    before: Fingerprint | None,
    remerge: Remerge | None,
    secrets: list[str],
) -> tuple[Artifact, Fingerprint, list[DiskChange]]:
    """Compare a target with what was read; merge again while it keeps changing."""
    now = fingerprint(art.path)
    if before is None or before.same_content(now):
        return art, now, []
    changes: list[DiskChange] = []
    for _ in range(REMERGE_ATTEMPTS):
        diff = unified_diff(
            before.content if before.exists else None,
            now.content,
            str(art.path),
            secrets=secrets,
        )
        changes.append(DiskChange(art.path, diff))
        if remerge is None:
            return art, now, changes
        log.info("%s changed on disk since it was read; merging again", art.path)
        art = remerge(art, now.content)
        before, now = now, fingerprint(art.path)
        if before.same_content(now):
            return art, now, changes
    raise ConcurrentChangeError(changes)
