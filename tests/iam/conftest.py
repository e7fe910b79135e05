"""Make ``iam_helpers`` (the shared builders beside this file) importable.

The suite runs with ``--import-mode=importlib``, which does not put test folders on
``sys.path``; the IAM tables share one small helper module, so this folder is added.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
