"""Make ``refusals`` (the refused-call stub beside this file) importable.

The suite runs with ``--import-mode=importlib``, which does not put test folders on
``sys.path``; the collectors' tests share one stub module, so this folder is added.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
