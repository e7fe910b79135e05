"""The oracle's known deviations in condition operators and policy variables, as rewrites
(see ``rewrite.py``). Each makes cloudwarden reproduce one deviation and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from lines import EPOCH, NEVER, VAR, Json, clauses, context_value, policies


# -- condition operators --------------------------------------------------------------
def _values(keys: Json, key: str) -> list[str]:
    value = keys[key]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _is_ip(operator: str) -> bool:
    return _base(operator).removesuffix("ifexists") in ("ipaddress", "notipaddress")


def _zero_cidr(line: Json, *_: Json) -> bool:
    return any(_is_ip(op) and "0.0.0.0/0" in _values(block[op], key)
               for _, block, op, key in clauses(line))  # fmt: skip


def _zero_as_host(line: Json, *_: Json) -> Json:
    for _st, block, op, key in list(clauses(line)):
        if _is_ip(op):
            block[op][key] = [v.replace("0.0.0.0/0", "0.0.0.0/32") for v in _values(block[op], key)]
    return line


def _family(text: str) -> int:
    return 6 if ":" in text else 4


def _bare_other_family(line: Json, op: str, keys: Json, key: str) -> bool:
    if _base(op).removesuffix("ifexists") != "notipaddress":
        return False
    request = context_value(line, key)
    if not isinstance(request, str):
        return False
    return any("/" not in v and _family(v) != _family(request) for v in _values(keys, key))


def _bare_ip(line: Json, *_: Json) -> bool:
    return any(_bare_other_family(line, op, block[op], key) for _, block, op, key in clauses(line))


def _bare_ip_never(line: Json, *_: Json) -> Json:
    for st, block, op, key in list(clauses(line)):
        if _bare_other_family(line, op, block[op], key):
            _never(st, block, op, key)
    return line


def _never(st: Json, block: Json, op: str, key: str) -> None:
    del block[op][key]
    if not block[op]:
        del block[op]
    block.update(NEVER)


def _base(op: str) -> str:
    """The operator without its set qualifier, lower-cased."""
    return op.lower().rpartition(":")[2]


def _is_date(op: str) -> bool:
    return _base(op).startswith("date")


def _date_kinds_differ(line: Json, op: str, keys: Json, key: str) -> bool:
    request = context_value(line, key)
    if not _is_date(op) or not isinstance(request, str):
        return False
    wanted = bool(EPOCH.match(request))
    return any(bool(EPOCH.match(v)) != wanted for v in _values(keys, key))


def _mixed_dates(line: Json, *_: Json) -> bool:
    return any(_date_kinds_differ(line, op, block[op], key) for _, block, op, key in clauses(line))


def _oracle_date(value: str, request_is_epoch: bool) -> str:
    """The oracle compares epoch seconds with ISO dates read as milliseconds."""
    if bool(EPOCH.match(value)) == request_is_epoch:
        return value
    if EPOCH.match(value):
        return datetime.fromtimestamp(int(value) / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return "9999-12-31T23:59:59Z"


def _dates_as_oracle(line: Json, *_: Json) -> Json:
    for _st, block, op, key in list(clauses(line)):
        if _date_kinds_differ(line, op, block[op], key):
            epoch = bool(EPOCH.match(context_value(line, key)))
            block[op][key] = [_oracle_date(v, epoch) for v in _values(block[op], key)]
    return line


def _any_if_exists_absent(line: Json, op: str, key: str) -> bool:
    lowered = op.lower()
    absent = context_value(line, key) is None
    return absent and lowered.startswith("foranyvalue:") and lowered.endswith("ifexists")


def _for_any_if_exists(line: Json, *_: Json) -> bool:
    return any(_any_if_exists_absent(line, op, key) for _, _, op, key in clauses(line))


def _for_any_never(line: Json, *_: Json) -> Json:
    for st, block, op, key in list(clauses(line)):
        if _any_if_exists_absent(line, op, key):
            _never(st, block, op, key)
    return line


def _plain_on_list(line: Json, op: str, key: str) -> bool:
    return ":" not in op and op.lower() != "null" and isinstance(context_value(line, key), list)


def _multivalued(line: Json, *_: Json) -> bool:
    return any(_plain_on_list(line, op, key) for _, _, op, key in clauses(line))


def _multivalued_never(line: Json, *_: Json) -> Json:
    for st, block, op, key in list(clauses(line)):
        if _plain_on_list(line, op, key):
            _never(st, block, op, key)
    return line


def _broken_arn_value(value: str) -> bool:
    head = value.split(":", 5)[:5]
    return any("${" in part for part in head)


def _arn_variables(line: Json, *_: Json) -> bool:
    return any(_base(op).startswith("arn") and any(map(_broken_arn_value, _values(b[op], key)))
               for _, b, op, key in clauses(line))  # fmt: skip


def _arn_variables_unmatched(line: Json, *_: Json) -> Json:
    for _st, block, op, key in list(clauses(line)):
        if _base(op).startswith("arn"):
            block[op][key] = ["arn:cloudwarden:never::000000000000:none" if _broken_arn_value(v)
                              else v for v in _values(block[op], key)]  # fmt: skip
    return line


def _unresolvable(line: Json, value: str) -> bool:
    for match in VAR.finditer(value):
        inner = match.group(1).strip()
        if inner in ("*", "?", "$") or "," in inner:
            continue
        if not isinstance(context_value(line, inner), str):
            return True
    return False


def _mixed_unresolved(line: Json, op: str, keys: Json, key: str) -> bool:
    values = _values(keys, key)
    bad = [v for v in values if _unresolvable(line, v)]
    return bool(bad) and len(bad) < len(values) and _base(op) != "null"


def _unresolved_values(line: Json, *_: Json) -> bool:
    return any(_mixed_unresolved(line, op, b[op], key) for _, b, op, key in clauses(line))


def _drop_unresolved(line: Json, *_: Json) -> Json:
    for _st, block, op, key in list(clauses(line)):
        if _mixed_unresolved(line, op, block[op], key):
            block[op][key] = [v for v in _values(block[op], key) if not _unresolvable(line, v)]
    return line


def _old_version_variables(line: Json, *_: Json) -> bool:
    return any(doc.get("Version") != "2012-10-17" and b"${" in orjson.dumps(doc)
               for doc in policies(line))  # fmt: skip


def _as_2012(line: Json, *_: Json) -> Json:
    for doc in policies(line):
        doc["Version"] = "2012-10-17"
    return line
