"""Show one differential case side by side: the line, cloudwarden's explanation, the oracle's.

.venv/bin/python dev/oracle/show.py dev/oracle/out/unexplained.jsonl INDEX
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from differential import fixed_clock  # noqa: E402

from cloudwarden.iam.batch import decide_line  # noqa: E402


def main() -> None:
    path, index = sys.argv[1], int(sys.argv[2])
    item = json.loads(Path(path).read_text().splitlines()[index])
    line = item.get("line", item)
    print(json.dumps(line, indent=1))
    ours = decide_line(line, explain=True, clock=fixed_clock)
    print("== cloudwarden:", json.dumps(ours, indent=1))
    proc = subprocess.run(
        ["node", str(HERE / "oracle.mjs"), "--detail", "--explain"],
        input=json.dumps(line).encode(),
        capture_output=True,
        check=True,
        cwd=HERE,
    )
    print("== oracle:", json.dumps(json.loads(proc.stdout), indent=1))


if __name__ == "__main__":
    main()
