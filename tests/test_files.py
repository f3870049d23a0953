"""Atomic writes, backups, masked diffs and writing only what changed."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from wizard.write.files import (
    Artifact,
    ConcurrentChangeError,
    atomic_write,
    backup,
    backups_of,
    diff_artifacts,
    fingerprint,
    mask_text,
    unified_diff,
    write_artifacts,
)

TOKEN = "glrt-SECRETsecretSECRET123"
AK_SECRET = "AKSECRETvalue0123456789abcdef"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_write_keeps_the_mode_of_the_replaced_file(tmp_path):
    """A file made 0640 by the operator stays 0640 after a rewrite."""
    target = tmp_path / "config.toml"
    target.write_text("old\n")
    target.chmod(0o640)
    atomic_write(target, b"new\n", 0o644)
    assert target.read_bytes() == b"new\n"
    assert mode_of(target) == 0o640


def test_atomic_write_new_file_gets_the_given_mode_and_secret_is_0600(tmp_path):
    plain, secret = tmp_path / "a.yaml", tmp_path / "key.pem"
    atomic_write(plain, b"x", 0o644)
    atomic_write(secret, b"x", 0o644, secret=True)
    assert mode_of(plain) == 0o644
    assert mode_of(secret) == 0o600


def test_atomic_write_tightens_a_world_readable_secret(tmp_path):
    target = tmp_path / "token"
    target.write_text("old")
    target.chmod(0o644)
    atomic_write(target, b"new", 0o644, secret=True)
    assert mode_of(target) == 0o600


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    atomic_write(tmp_path / "f", b"data", 0o644)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_atomic_write_follows_a_symlink(tmp_path):
    """The link stays a link; the file it points to gets the new bytes."""
    real = tmp_path / "real.toml"
    real.write_text("old")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    atomic_write(link, b"new", 0o644)
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_atomic_write_removes_only_stale_temporaries(tmp_path):
    """A temp file left by a killed writer goes once old; a fresh one stays."""
    stale = tmp_path / ".f.abc123.tmp"
    fresh = tmp_path / ".f.def456.tmp"
    stale.write_text("half")
    fresh.write_text("half")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    atomic_write(tmp_path / "f", b"data", 0o644)
    assert not stale.exists()
    assert fresh.exists()


def test_backup_keeps_the_last_five_and_their_mode(tmp_path):
    target = tmp_path / "config.toml"
    target.write_text("v0")
    target.chmod(0o640)
    made = []
    for i in range(7):
        made.append(backup(target))
        target.write_text(f"v{i + 1}")
    kept = backups_of(target)
    assert kept == made[-5:]
    assert [p.read_text() for p in kept] == ["v2", "v3", "v4", "v5", "v6"]
    assert all(mode_of(p) == 0o640 for p in kept)


def test_backup_of_a_secret_is_0600_even_if_the_original_was_not(tmp_path):
    target = tmp_path / "key.pem"
    target.write_text("KEY")
    target.chmod(0o644)
    saved = backup(target, secret=True)
    assert saved is not None and mode_of(saved) == 0o600


def test_backup_of_a_missing_file_is_none(tmp_path):
    assert backup(tmp_path / "nope") is None


def test_write_only_what_changed_keeps_mtime_of_unchanged_files(tmp_path):
    same = tmp_path / "same.yaml"
    changed = tmp_path / "changed.yaml"
    same.write_bytes(b"a: 1\n")
    changed.write_bytes(b"a: 1\n")
    past = time.time() - 1000
    os.utime(same, (past, past))
    before = same.stat().st_mtime_ns

    report = write_artifacts(
        [
            Artifact(same, b"a: 1\n"),
            Artifact(changed, b"a: 2\n"),
            Artifact(tmp_path / "new.yaml", b"b: 1\n"),
        ]
    )
    assert same.stat().st_mtime_ns == before
    assert report.unchanged == [same]
    assert report.written == [changed, tmp_path / "new.yaml"]
    assert set(report.backups) == {changed}
    assert report.backups[changed].read_bytes() == b"a: 1\n"


def test_second_identical_write_touches_nothing(tmp_path):
    arts = [Artifact(tmp_path / "x", b"1"), Artifact(tmp_path / "y", b"2", secret=True)]
    write_artifacts(arts)
    stamps = {a.path: a.path.stat().st_mtime_ns for a in arts}
    report = write_artifacts(arts)
    assert report.written == [] and report.backups == {}
    assert {a.path: a.path.stat().st_mtime_ns for a in arts} == stamps
    assert backups_of(tmp_path / "x") == []


def test_unchanged_secret_with_loose_mode_is_tightened(tmp_path):
    path = tmp_path / "token"
    path.write_bytes(b"t")
    path.chmod(0o644)
    report = write_artifacts([Artifact(path, b"t", secret=True)])
    assert report.mode_fixed == [path]
    assert mode_of(path) == 0o600


def test_diff_masks_known_secret_keys_in_toml_yaml_and_json():
    old = b'[[runners]]\n  token = "glrt-OLDoldOLDold000000"\n  url = "https://g"\n'
    new = f'[[runners]]\n  token = "{TOKEN}"\n  url = "https://g"\n'.encode()
    text = unified_diff(old, new, "config.toml")
    assert TOKEN not in text and "OLDold" not in text
    assert '-  token = "glrt-********"' in text
    assert '+  token = "glrt-********"' in text

    yaml_text = (
        "apiVersion: v1\nkind: Secret\nstringData:\n"
        f"  akId: LTAI5tFAKEid\n  akSecret: {AK_SECRET}\nmetadata:\n  name: oss\n"
    )
    masked = mask_text(yaml_text)
    assert AK_SECRET not in masked and "LTAI5tFAKEid" not in masked
    assert "  name: oss\n" in masked  # outside the data section: kept

    kube = "users:\n- name: u\n  user:\n    client-key-data: QUJDREVG\n    token: abcdefgh\n"
    masked = mask_text(kube)
    assert "QUJDREVG" not in masked and "abcdefgh" not in masked
    assert '"bearer_token": "********"' in mask_text('{"bearer_token": "xyzxyzxyz"}')


def test_diff_masks_known_values_anywhere_and_their_base64():
    import base64

    encoded = base64.b64encode(AK_SECRET.encode()).decode()
    text = f"options: -o {AK_SECRET}\nblob: {encoded}\n"
    masked = mask_text(text, secrets=[AK_SECRET])
    assert AK_SECRET not in masked and encoded not in masked


def test_secret_artifact_masks_bare_lines_and_pem_bodies():
    pem = (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAsecretbody\n"
        "-----END RSA PRIVATE KEY-----\n"
    )
    masked = mask_text(pem)
    assert "MIIEpAIBAAKCAQEAsecretbody" not in masked
    assert masked.startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    assert "sekrit-token-value" not in mask_text("sekrit-token-value\n", secret=True)
    # A non-secret file keeps such a line.
    assert mask_text("plain line\n") == "plain line\n"


def test_a_changed_secret_still_shows_as_a_changed_line():
    text = unified_diff(b"token = 'a1b2c3d4'\n", b"token = 'e5f6g7h8'\n", "f")
    assert "-token = '********'" in text and "+token = '********'" in text


def test_unified_diff_format_and_new_file():
    text = unified_diff(None, b"a\nb\n", "new.yaml")
    assert text.splitlines()[:3] == [
        "--- /dev/null",
        "+++ b/new.yaml",
        "@@ -0,0 +1,2 @@",
    ]
    assert unified_diff(b"same\n", b"same\n", "x") == ""


def test_diff_artifacts_reports_status_per_file(tmp_path):
    (tmp_path / "a").write_bytes(b"1\n")
    (tmp_path / "b").write_bytes(b"1\n")
    diffs = diff_artifacts(
        [
            Artifact(tmp_path / "a", b"1\n"),
            Artifact(tmp_path / "b", b"2\n"),
            Artifact(tmp_path / "c", b"3\n"),
        ]
    )
    assert [d.status for d in diffs] == ["unchanged", "changed", "new"]
    assert diffs[0].diff == "" and "+2" in diffs[1].diff


def test_fingerprint_ignores_a_touch_but_not_an_edit(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x")
    first = fingerprint(path)
    os.utime(path, (1, 1))
    assert first.same_content(fingerprint(path))
    path.write_bytes(b"y")
    assert not first.same_content(fingerprint(path))
    assert not fingerprint(tmp_path / "missing").exists
    assert "content" not in repr(first)


def test_changed_on_disk_without_remerge_writes_nothing(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"read\n")
    b.write_bytes(b"b\n")
    seen = {a: fingerprint(a), b: fingerprint(b)}
    a.write_bytes(b"edited by someone else\n")
    with pytest.raises(ConcurrentChangeError) as err:
        write_artifacts([Artifact(b, b"b2\n"), Artifact(a, b"mine\n")], seen)
    assert [c.path for c in err.value.changes] == [a]
    assert "+edited by someone else" in err.value.changes[0].diff
    assert a.read_bytes() == b"edited by someone else\n"
    assert b.read_bytes() == b"b\n"  # nothing written, not even the other file


def test_changed_on_disk_is_merged_again(tmp_path):
    a = tmp_path / "a"
    a.write_bytes(b"x = 1\n")
    seen = {a: fingerprint(a)}
    a.write_bytes(b"x = 1\ny = 2\n")
    calls = []

    def remerge(art: Artifact, current: bytes | None) -> Artifact:
        calls.append(current)
        return Artifact(art.path, current + b"mine = 3\n")

    report = write_artifacts([Artifact(a, b"x = 1\nmine = 3\n")], seen, remerge)
    assert calls == [b"x = 1\ny = 2\n"]
    assert a.read_bytes() == b"x = 1\ny = 2\nmine = 3\n"
    assert [c.path for c in report.remerged] == [a]
    assert "+y = 2" in report.remerged[0].diff


def test_a_file_created_since_reading_counts_as_a_change(tmp_path):
    a = tmp_path / "a"
    seen = {a: fingerprint(a)}
    a.write_bytes(b"appeared\n")
    with pytest.raises(ConcurrentChangeError):
        write_artifacts([Artifact(a, b"mine\n")], seen)


def test_remerge_that_fails_writes_nothing(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"1")
    seen = {a: fingerprint(a)}
    a.write_bytes(b"broken")

    def remerge(art, current):
        raise ValueError("does not parse")

    with pytest.raises(ValueError):
        write_artifacts([Artifact(b, b"new"), Artifact(a, b"2")], seen, remerge)
    assert not b.exists()


def test_owner_only_artifact_stays_owner_only(tmp_path):
    """A 0600 artifact (the state file) replacing a 0644 file is written 0600."""
    path = tmp_path / "wizard-state.toml"
    path.write_text("old")
    path.chmod(0o644)
    write_artifacts([Artifact(path, b"new", mode=0o600)])
    assert mode_of(path) == 0o600
    assert mode_of(backups_of(path)[0]) == 0o600


def test_secret_toml_diff_keeps_its_structure_visible():
    """config.toml is a secret file: only the token is hidden, not headers or keys."""
    old = b'concurrent = 1\n\n[[runners]]\n  token = "glrt-aaaaaaaa"\n  [runners.kubernetes]\n'
    new = old.replace(b"concurrent = 1", b"concurrent = 2")
    text = unified_diff(old, new, "config.toml", secret=True, context=9)
    assert "[[runners]]" in text and "  [runners.kubernetes]" in text
    assert '  token = "glrt-********"' in text
    assert "-concurrent = 1" in text and "+concurrent = 2" in text


@pytest.mark.parametrize("pass_secrets", [True, False])
def test_review_diffs_of_a_whole_plan_show_no_secret(
    answers_file, tmp_path, pass_secrets
):
    """Canary: the write-up's fake credentials never appear in any review diff."""
    from wizard.answers import load_answers
    from wizard.write.plan import build_plan

    answers = load_answers(answers_file())
    plan = build_plan(
        answers, config_path=tmp_path / "etc" / "config.toml", out_dir=tmp_path / "out"
    )
    diffs = diff_artifacts(plan.artifacts, secrets=plan.secrets if pass_secrets else ())
    text = "".join(d.diff for d in diffs)
    assert "oss-cache.yaml" in text and "config.toml" in text
    for canary in (
        "a1b2c3d4e5f6a7b8c9d0",
        "LTAI5tFAKEwriteupKEYID0",
        "FAKEwriteupSECRETnotREAL00000",
        "FAKE-WRITEUP-CLIENT-KEY",
    ):
        assert canary not in text


def test_atomic_write_keeps_the_owner(tmp_path):
    """A root-run wizard hands gitlab-runner's files back to their owner."""
    target = tmp_path / "config.toml"
    target.write_text("old")
    if os.geteuid() == 0:
        os.chown(target, 1234, 5678)
        atomic_write(target, b"new", 0o644)
        assert (target.stat().st_uid, target.stat().st_gid) == (1234, 5678)
    else:
        # Without root only one's own files can be replaced; they stay one's own.
        atomic_write(target, b"new", 0o644)
        assert target.stat().st_uid == os.geteuid()
    assert target.read_bytes() == b"new"
