"""Where the team's reference folder is: the cases and fixtures the tests read.

It sits beside the checkout (`../shared`, as in the team's tree and in CI);
ASK_RUNNER_WIZARD_SHARED names another place.
"""

from __future__ import annotations

import os
from pathlib import Path

SHARED = Path(
    os.environ.get("ASK_RUNNER_WIZARD_SHARED")
    or Path(__file__).resolve().parents[1].parent / "shared"
)
FIXTURES = SHARED / "reference" / "fixtures"
CASES = SHARED / "cases"
