"""Recognise secret-looking values in free text and in name/value pairs, and redact them.

Collectors run it where credentials do not belong (EC2 user data, Lambda environment
variables, ...) at collection time, so raw values never reach a snapshot; checks then
read the recorded hits. It favours precision over recall:
a value is reported only when its *format* is that of a real credential (an AWS
access key id's fixed prefix and base32 alphabet, a PEM private-key header, a
provider's token prefix, a password inside a URL) or when a literal, non-templated
value sits next to a name that says it is a secret (``DB_PASSWORD=...``). References
to where a secret lives (``$VAR``, ``{{resolve:...}}``, ARNs, file paths) are not
secrets and are ignored, so that well-built configuration does not drown real findings.

Nothing here keeps a secret: callers store :class:`SecretHit` records, whose excerpt
has every matched value passed through :func:`redact`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = ["PATTERNS", "SecretHit", "classify", "redact", "scan_text"]

EXCERPT_LIMIT = 120

AWS_ACCESS_KEY_ID = "aws-access-key-id"
AWS_SECRET_ACCESS_KEY = "aws-secret-access-key"
PRIVATE_KEY = "private-key"
GITHUB_TOKEN = "github-token"
SLACK_TOKEN = "slack-token"
STRIPE_LIVE_KEY = "stripe-live-key"
URL_CREDENTIALS = "credentials-in-url"
PASSWORD = "password"
SECRET_VALUE = "secret-assignment"

PATTERNS = (
    AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY,
    PRIVATE_KEY,
    GITHUB_TOKEN,
    SLACK_TOKEN,
    STRIPE_LIVE_KEY,
    URL_CREDENTIALS,
    PASSWORD,
    SECRET_VALUE,
)


@dataclass(frozen=True, slots=True)
class SecretHit:
    """One secret-looking value: which pattern, on which line (1-based), redacted context."""

    pattern: str
    line: int
    excerpt: str


Span = tuple[int, int, str]

# Access key ids are 20 characters: a 4-letter type prefix, then 16 base32 characters.
_ACCESS_KEY_ID = re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])")
_PEM_HEADER = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_GITHUB = re.compile(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_\w{80,255})")
_SLACK = re.compile(r"(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}")
_STRIPE = re.compile(r"(?<![A-Za-z0-9])[sr]k_live_[A-Za-z0-9]{20,}")
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^\s:/@]+:(?P<secret>[^\s@/]+)@[^\s/]+", re.I)

_ASSIGNMENT = re.compile(
    r"(?P<name>[A-Za-z_][\w.-]*)[\"']?\s*(?:=|:|=>)\s*(?P<q>[\"']?)(?P<value>[^\s\"',;]+)(?P=q)"
)
_FLAG = re.compile(r"--(?P<name>[a-z][a-z0-9-]*)[ =](?P<q>[\"']?)(?P<value>[^\s\"']+)(?P=q)")

# Name patterns apply to names split into lower-case words (see _words), whole words only,
# so that DB_PASSWORD and dbPassword count and PASSENGER_COUNT or tokenizer do not.
_SECRET_NAME = re.compile(
    r"(?<![a-z])(?:pass(?:words?|wd|phrase)?|pwd|secrets?|tokens?|credentials?|"
    r"api[_.-]?key|apikey|private[_.-]?key)(?![a-z])"
)
_PASSWORD_NAME = re.compile(r"(?<![a-z])(?:pass(?:words?|wd|phrase)?|pwd)(?![a-z])")
_AWS_SECRET_NAME = re.compile(r"secret[_.-]?access[_.-]?key|aws[_.-]?secret")
# Names that point at a secret or describe it, rather than hold it.
_REFERENCE_SUFFIX = re.compile(
    r"[_.-](?:arn|name|id|path|file|url|uri|endpoint|length|len|ttl|timeout|expiry|"
    r"expiration|enabled|type|param|parameter|version|region|policy|header|prompt|stdin|hash|salt)$"
)
_AWS_SECRET_VALUE = re.compile(r"[A-Za-z0-9/+]{40}")
_PLACEHOLDERS = {
    "none", "null", "nil", "true", "false", "undefined", "changeme", "change_me", "redacted",
    "example", "secret", "password", "xxx", "xxxx", "xxxxxxxx", "****", "********",
}  # fmt: skip


def redact(value: str) -> str:
    """Mask ``value``: long values keep a 4-character prefix so readers can tell keys apart.

    The mask has a fixed width, so the redacted form does not reveal the value's length.
    """
    keep = value[:4] if len(value) >= 20 else ""
    return f"{keep}********"


def _is_reference(value: str) -> bool:
    """A pointer to a secret (variable, template, ARN, SSM/Secrets Manager reference, path)."""
    v = value.strip()
    lowered = v.lower()
    return (
        not v
        or v[0] in "$%<{[(/~@&*!`-"
        or v.startswith("./")
        or lowered.startswith(
            ("arn:", "ssm:", "secretsmanager:", "resolve:", "http://", "https://")
        )
        or lowered in _PLACEHOLDERS
        or set(v) <= {"*", "x", "X", "."}
    )


def _literal_secret(value: str, min_length: int) -> bool:
    return len(value) >= min_length and not _is_reference(value) and not value.isdigit()


def _looks_random(value: str) -> bool:
    """Token-like: 16+ characters mixing letters and digits (not a word or a sentence)."""
    return (
        len(value) >= 16
        and any(c.isdigit() for c in value)
        and any(c.isalpha() for c in value)
        and " " not in value
    )


def _words(name: str) -> str:
    """``dbPassword`` -> ``db_password``; ``DB_PASSWORD`` -> ``db_password``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _named_secret(raw_name: str, value: str) -> str | None:
    """The pattern a literal ``value`` matches given the secret-ish name it is bound to."""
    name = _words(raw_name)
    if not _SECRET_NAME.search(name) or _REFERENCE_SUFFIX.search(name):
        return None
    if _AWS_SECRET_NAME.search(name) and _AWS_SECRET_VALUE.fullmatch(value):
        return AWS_SECRET_ACCESS_KEY
    if _PASSWORD_NAME.search(name):
        return PASSWORD if _literal_secret(value, 4) else None
    return SECRET_VALUE if _literal_secret(value, 16) and _looks_random(value) else None


def _token_spans(text: str) -> Iterator[Span]:
    """Spans of values whose format alone marks them as credentials."""
    simple: tuple[tuple[str, re.Pattern[str]], ...] = (
        (AWS_ACCESS_KEY_ID, _ACCESS_KEY_ID),
        (GITHUB_TOKEN, _GITHUB),
        (SLACK_TOKEN, _SLACK),
        (STRIPE_LIVE_KEY, _STRIPE),
    )
    for pattern, regex in simple:
        for m in regex.finditer(text):
            yield m.start(), m.end(), pattern
    for m in _PEM_HEADER.finditer(text):
        # the header is harmless; whatever follows it on the same line is key material
        yield m.end(), len(text), PRIVATE_KEY
    for m in _URL_PASSWORD.finditer(text):
        if not _is_reference(m.group("secret")):
            yield m.start("secret"), m.end("secret"), URL_CREDENTIALS


def _named_spans(text: str) -> Iterator[Span]:
    """Spans of literal values assigned to secret-ish names (``x=...``, ``x: ...``, ``--x ...``)."""
    for regex in (_ASSIGNMENT, _FLAG):
        for m in regex.finditer(text):
            pattern = _named_secret(m.group("name"), m.group("value"))
            if pattern:
                yield m.start("value"), m.end("value"), pattern


def _line_spans(line: str) -> list[Span]:
    """Non-overlapping secret spans on one line; format-based matches win over name-based ones."""
    chosen: list[Span] = []
    sources: tuple[Callable[[str], Iterator[Span]], ...] = (_token_spans, _named_spans)
    for source in sources:
        for start, end, pattern in source(line):
            if not any(start < e and s < end for s, e, _ in chosen):
                chosen.append((start, end, pattern))
    return sorted(chosen)


def _excerpt(line: str, spans: list[Span]) -> str:
    out, last = [], 0
    for start, end, _ in spans:
        out.append(line[last:start])
        secret = line[start:end]
        out.append(redact(secret) if secret else "")
        last = end
    out.append(line[last:])
    text = "".join(out).strip()
    return text if len(text) <= EXCERPT_LIMIT else text[: EXCERPT_LIMIT - 3] + "..."


def scan_text(text: str) -> list[SecretHit]:
    """Every secret-looking value in ``text``, one hit per value, with a redacted excerpt."""
    hits: list[SecretHit] = []
    for number, line in enumerate(text.splitlines(), start=1):
        spans = _line_spans(line)
        if spans:
            excerpt = _excerpt(line, spans)
            hits.extend(SecretHit(pattern, number, excerpt) for _, _, pattern in spans)
    return hits


def classify(name: str, value: str) -> str | None:
    """The pattern a name/value pair (e.g. an environment variable) matches, or None.

    The value's own format is tried first (a GitHub token is one whatever it is
    called); otherwise a secret-ish name with a literal value is reported.
    """
    first = next(_token_spans(value), None)
    if first is not None:
        return first[2]
    return _named_secret(name, value.strip().strip("\"'"))
