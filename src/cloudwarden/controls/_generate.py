"""One-off generator of ``catalogue.yaml`` from the Security Pillar reference notes.

Run once (``python -m cloudwarden.controls._generate <reference.md>``); afterwards the
YAML file is the source of truth and is edited by hand when AWS or CIS publish changes.
Only the two Markdown tables are read: the Well-Architected best practices (id, title,
area, risk) and the CIS v7.0.0 requirements (id, title, section, assessment status).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

WA_AREAS = {
    "Security foundations": "security_foundations",
    "Identity and access management": "identity_access",
    "Detection": "detection",
    "Infrastructure protection": "infrastructure_protection",
    "Data protection": "data_protection",
    "Incident response": "incident_response",
    "Application Security": "application_security",
}
CIS_SECTION_AREAS = {
    "2": "identity_access",
    "3": "data_protection",
    "4": "detection",
    "5": "detection",
    "6": "infrastructure_protection",
}
# Requirements whose subject belongs to another pillar area than their CIS section.
CIS_AREA_OVERRIDES = {
    "2.17": "data_protection",
    "4.6": "data_protection",
    "6.1.1": "data_protection",
}
_WA_ID = re.compile(r"SEC\d{2}-BP\d{2}")
_CIS_ID = re.compile(r"\d+(\.\d+)+")
_HEADER = """\
# Well-Architected Security Pillar best practices and CIS AWS Foundations Benchmark
# v7.0.0 requirements. Generated once by cloudwarden.controls._generate; this file is
# now the source of truth. CIS ids carry a "cis:" prefix so both frameworks share one
# id space; checks name them without it (cis=("2.10",)).
"""


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse(text: str) -> list[dict[str, Any]]:
    wa: list[dict[str, Any]] = []
    cis: list[dict[str, Any]] = []
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = _cells(line)
        if _WA_ID.fullmatch(cells[0]):
            wa.append(
                {
                    "id": cells[0],
                    "framework": "wa",
                    "title": cells[1],
                    "section": cells[2],
                    "area": WA_AREAS[cells[2]],
                    "risk": cells[3],
                }
            )
        elif _CIS_ID.fullmatch(cells[0]):
            cis.append(
                {
                    "id": f"cis:{cells[0]}",
                    "framework": "cis",
                    "title": cells[1],
                    "section": cells[2],
                    "area": CIS_AREA_OVERRIDES.get(
                        cells[0], CIS_SECTION_AREAS[cells[2].split()[0]]
                    ),
                    "assessment": cells[3],
                }
            )
    return wa + cis


def render(entries: list[dict[str, Any]]) -> str:
    body = yaml.safe_dump({"controls": entries}, sort_keys=False, allow_unicode=True, width=120)
    return _HEADER + body


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else Path("/work/shared/reference/wa_security_pillar.md")
    target = Path(__file__).with_name("catalogue.yaml")
    target.write_text(render(parse(source.read_text(encoding="utf-8"))), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
