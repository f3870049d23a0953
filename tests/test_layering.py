"""The domain never depends on the UI: wizard/ imports no Textual."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import importlib, pkgutil, sys
import wizard
names = [m.name for m in pkgutil.walk_packages(wizard.__path__, "wizard.")]
for name in names:
    if name != "wizard.__main__":
        importlib.import_module(name)
print(len(names), sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "screens")))
"""


def test_every_wizard_module_imports_without_textual():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout.split(maxsplit=1)
    count, ui_modules = int(out[0]), out[1].strip()
    assert count > 20  # the walk really found the package's modules
    assert ui_modules == "[]"
