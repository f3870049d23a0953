"""SIGKILL a writing process at random points: every target is fully old or fully new."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("config.toml", "oss-cache.yaml", "client.key")
LINES = 4000  # about 100 KB per file, so a kill often lands inside a write

WRITER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from wizard.write.files import Artifact, write_artifacts

folder = Path(sys.argv[1])
names = {names!r}

def content(name, k):
    return "".join(f"{{name}} version {{k}} line {{i}}\\n" for i in range({lines})).encode()

k = 1
print("ready", flush=True)
while True:
    write_artifacts([
        Artifact(folder / n, content(n, k), secret=(n == "client.key")) for n in names
    ])
    k += 1
"""


def content(name: str, k: int) -> bytes:
    return "".join(f"{name} version {k} line {i}\n" for i in range(LINES)).encode()


def version_of(path: Path, name: str) -> int:
    """The version a file holds; fails unless it is exactly one whole version."""
    data = path.read_bytes()
    first = data.split(b"\n", 1)[0].decode()
    k = int(first.split(" version ")[1].split(" ")[0])
    assert data == content(name, k), path.name
    return k


def test_sigkill_at_random_points_leaves_whole_files(tmp_path):
    rng = random.Random(20261204)
    for name in NAMES:
        (tmp_path / name).write_bytes(content(name, 0))
    (tmp_path / "client.key").chmod(0o600)
    script = WRITER.format(names=NAMES, lines=LINES)
    versions_seen = set()
    for _ in range(25):
        proc = subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path), str(ROOT)],
            stdout=subprocess.PIPE,
        )
        assert proc.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        for name in NAMES:
            versions_seen.add(version_of(tmp_path / name, name))
            backups = list(tmp_path.glob(f"{name}.*.bak"))
            for backup in backups:
                version_of(backup, name)
            # Five are kept; a kill between a backup and the pruning leaves six.
            assert len(backups) <= 6
        assert (tmp_path / "client.key").stat().st_mode & 0o077 == 0
    # The kills landed at different points: not always before the first write.
    assert len(versions_seen) > 3
