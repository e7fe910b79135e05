#!/usr/bin/env bash
# Wall time of a full Prowler scan of the cloudwarden lab, per account and in total.
#
# What it measures: `prowler aws` (all of Prowler's default AWS checks, both lab
# regions) run once per lab account, one account after the other, as Prowler is
# normally run: the management account with the lab's dummy credentials, each
# member account through Prowler's own `--role` (sts:AssumeRole of
# OrganizationAccountAccessRole against the emulator). Each run's wall time is the
# whole `prowler` process: interpreter start, check loading, API calls, CSV output
# (its user+system CPU time is printed too: it is less disturbed by a busy machine).
# Prowler's per-framework compliance CSVs are not written (see PROWLER_ARGS below):
# the figure is the time to scan, not to render dozens of report files.
#
# It is a benchmark, not a test: it lives in bench/ and no test runs it. It needs
# a running lab (`cloudwarden lab up`, or `python -m cloudwarden.lab.daemon
# /tmp/lab.json`) and refuses any endpoint that is not http://127.0.0.1:<port>.
# It never talks to real AWS: AWS_ENDPOINT_URL is the lab, the credentials are
# the lab's dummies, no profile or config file is read, and a small
# sitecustomize shim (written to the run's temp dir, put on PYTHONPATH for the
# Prowler process only) refuses every network connection that is not to
# loopback, so the few Prowler checks that fetch from the internet
# (ip-ranges.amazonaws.com, Lambda code URLs, github.com/gitlab.com) fail at
# once and are listed at the end instead of leaving the machine. The same shim
# strips the "<account-id>." host prefix botocore puts on s3control requests
# (an emulator on an IP cannot be reached under that name), as cloudwarden's own
# client does for loopback endpoints.
#
# Prowler (https://github.com/prowler-cloud/prowler) is Apache-2.0 licensed
# (the prowler 5.46.0 wheel's licence file and metadata: License-Expression:
# Apache-2.0). It is NOT a dependency of cloudwarden: it is installed only in
# its own venv, never in the project's .venv:
#     python3 -m venv /opt/prowler-venv && /opt/prowler-venv/bin/pip install prowler==5.46.0
#
# Usage:
#     bash bench/prowler_lab.sh [STATE_FILE]
#   STATE_FILE      the lab's state JSON (endpoint, accounts, regions); default:
#                   the file `cloudwarden lab up` writes (default_state_file() in
#                   src/cloudwarden/lab/daemon.py), else /tmp/lab.json
# Environment:
#   PROWLER_VENV    Prowler's venv (default /opt/prowler-venv)
#   PROWLER_EXTRA   extra prowler flags, e.g. "--aws-retries-max-attempts 0"
#                   (Prowler retries each 5xx 3 times with backoff by default,
#                   and moto answers most operations it lacks with a 500)
#   OUT_DIR         where outputs and logs go (default: a new /tmp/prowler-lab.* dir)

set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
PROWLER_VENV="${PROWLER_VENV:-/opt/prowler-venv}"
PROWLER="$PROWLER_VENV/bin/prowler"
PY="$PROWLER_VENV/bin/python"
ORG_ROLE="OrganizationAccountAccessRole"

die() { echo "prowler_lab: $*" >&2; exit 2; }

[[ -x "$PROWLER" ]] || die "no Prowler at $PROWLER (install: python3 -m venv $PROWLER_VENV && $PROWLER_VENV/bin/pip install prowler)"

# --- the lab's state file -------------------------------------------------------
STATE="${1:-}"
if [[ -z "$STATE" ]]; then
    if [[ -x "$ROOT/.venv/bin/python" ]]; then
        STATE="$("$ROOT/.venv/bin/python" -W ignore -c \
            'from cloudwarden.lab.daemon import default_state_file; print(default_state_file())' 2>/dev/null || true)"
    fi
    [[ -n "$STATE" && -f "$STATE" ]] || STATE=/tmp/lab.json
fi
[[ -f "$STATE" ]] || die "no lab state file at $STATE (start a lab: cloudwarden lab up)"

# endpoint, regions, then one "role account" line per account (management first)
LAB="$("$PY" - "$STATE" <<'EOF'
import json, sys
from urllib.parse import urlsplit
doc = json.load(open(sys.argv[1]))
ep = doc["endpoint"].rstrip("/")
u = urlsplit(ep)
if u.scheme != "http" or u.hostname != "127.0.0.1" or not u.port or u.path not in ("", "/"):
    sys.exit(f"refusing: the lab endpoint must be http://127.0.0.1:<port>, got {ep!r}")
accounts = doc["accounts"]
if "management" not in accounts:
    sys.exit("refusing: the state file names no management account")
print(ep)
print(" ".join(doc.get("regions") or ["us-east-1", "eu-west-1"]))
for role in ["management"] + sorted(r for r in accounts if r != "management"):
    acct = str(accounts[role])
    if not (acct.isdigit() and len(acct) == 12):
        sys.exit(f"refusing: account id {acct!r} for {role!r} is not 12 digits")
    print(role, acct)
EOF
)" || die "bad lab state file $STATE"
ENDPOINT="$(sed -n 1p <<<"$LAB")"
read -r -a REGIONS <<<"$(sed -n 2p <<<"$LAB")"
ACCOUNT_LINES="$(sed -n '3,$p' <<<"$LAB")"
PORT="${ENDPOINT##*:}"
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || die "nothing listens at $ENDPOINT (is the lab running?)"

OUT_DIR="${OUT_DIR:-$(mktemp -d /tmp/prowler-lab.XXXXXX)}"
mkdir -p "$OUT_DIR/shim"

# --- the shim: loopback only, and s3control without the account host prefix ------
cat >"$OUT_DIR/shim/sitecustomize.py" <<'EOF'
# Loaded only by this benchmark's Prowler processes (PYTHONPATH). Not part of Prowler.
import ipaddress
import os
import socket

_LOG = os.environ.get("PROWLER_LAB_BLOCKED_LOG")


def _loopback(host):
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _blocked(what):
    if _LOG:
        with open(_LOG, "a") as f:
            f.write(f"{what}\n")
    raise socket.gaierror(socket.EAI_NONAME, f"blocked by prowler_lab.sh (lab is loopback-only): {what}")


_getaddrinfo = socket.getaddrinfo


def getaddrinfo(host, *args, **kwargs):
    h = host.decode() if isinstance(host, bytes) else host
    if not _loopback(h):
        _blocked(h)
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = getaddrinfo

_connect = socket.socket.connect


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        _blocked(address[0])
    return _connect(self, address)


socket.socket.connect = connect


def _strip_account_host_prefix(request, **_):
    scheme, sep, rest = request.url.partition("://")
    host, slash, path = rest.partition("/")
    first, dot, remainder = host.partition(".")
    if sep and dot and first.isdigit() and len(first) == 12:
        request.url = f"{scheme}://{remainder}{slash}{path}"


try:
    import botocore.client

    _create_client = botocore.client.ClientCreator.create_client

    def create_client(self, service_name, *args, **kwargs):
        client = _create_client(self, service_name, *args, **kwargs)
        if service_name == "s3control":
            client.meta.events.register("before-send.s3-control", _strip_account_host_prefix)
        return client

    botocore.client.ClientCreator.create_client = create_client
except ImportError:
    pass
EOF

# --- the environment: the lab, dummy credentials, nothing from ~/.aws -------------
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN \
      AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
      AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_REGION
for v in $(compgen -e | grep '^AWS_ENDPOINT_URL_' || true); do unset "$v"; done
export AWS_ENDPOINT_URL="$ENDPOINT"
export AWS_ACCESS_KEY_ID=AKIALABLABLABLAB0000
export AWS_SECRET_ACCESS_KEY=lab-secret-not-a-real-key
export AWS_DEFAULT_REGION=us-east-1
: >"$OUT_DIR/empty-aws-config"  # an empty file, not /dev/null: a test run as root once replaced that
export AWS_CONFIG_FILE="$OUT_DIR/empty-aws-config" AWS_SHARED_CREDENTIALS_FILE="$OUT_DIR/empty-aws-config"
export AWS_EC2_METADATA_DISABLED=true
export PYTHONPATH="$OUT_DIR/shim"
export PROWLER_LAB_BLOCKED_LOG="$OUT_DIR/blocked-hosts.txt"
: >"$PROWLER_LAB_BLOCKED_LOG"

# Naming every severity runs the same checks as a plain `prowler aws` but makes it a
# non-default execution, so Prowler skips writing ~40 compliance-framework CSVs.
PROWLER_ARGS=(aws -f "${REGIONS[@]}" --no-banner --no-color -M csv -o "$OUT_DIR" -z
              --severity critical high medium low informational --log-level ERROR)
# shellcheck disable=SC2206
EXTRA=(${PROWLER_EXTRA:-})

# (not `prowler -v`: that asks api.github.com for the latest release)
VERSION="$("$PY" -c 'from prowler.config.config import prowler_version; print(prowler_version)')"
echo "Prowler $VERSION  |  lab $ENDPOINT  |  regions ${REGIONS[*]}  |  state $STATE"
echo "outputs and logs: $OUT_DIR"

summary() {  # csv log stdout -> "findings N (FAIL n, PASS n, MANUAL n), checks run N, with findings N, errors logged N"
    "$PY" - "$@" <<'EOF'
import collections, csv, os, re, sys
csv.field_size_limit(1 << 30)
path, log, out = sys.argv[1:4]
rows = list(csv.DictReader(open(path, newline=""), delimiter=";")) if os.path.exists(path) else []
st = collections.Counter(r["STATUS"] for r in rows)
checks = len({r["CHECK_ID"] for r in rows})
m = re.search(r"Executing (\d+) checks?", open(out).read()) if os.path.exists(out) else None
errors = open(log).read().count('"level": "ERROR"') if os.path.exists(log) else 0
print(f"findings {len(rows)} (FAIL {st['FAIL']}, PASS {st['PASS']}, MANUAL {st['MANUAL']}), "
      f"checks run {m.group(1) if m else '?'}, checks with findings {checks}, errors logged {errors}")
EOF
}

# The wall time is only meaningful on an otherwise idle machine: say how busy it was.
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)  (cores: $(nproc))"
declare -a LINES=()
failed=0
t_all=$(date +%s.%N)
while read -r role acct; do
    args=("${PROWLER_ARGS[@]}" -F "$role" --log-file "$OUT_DIR/$role.log")
    [[ "$role" == management ]] || args+=(--role "arn:aws:iam::$acct:role/$ORG_ROLE")
    echo "+ prowler ${args[*]} ${EXTRA[*]}" >"$OUT_DIR/$role.cmd"
    t0=$(date +%s.%N)
    if [[ -x /usr/bin/time ]]; then
        /usr/bin/time -o "$OUT_DIR/$role.cpu" -f "%U %S" \
            "$PROWLER" "${args[@]}" "${EXTRA[@]}" </dev/null >"$OUT_DIR/$role.stdout" 2>"$OUT_DIR/$role.stderr"
    else
        "$PROWLER" "${args[@]}" "${EXTRA[@]}" </dev/null >"$OUT_DIR/$role.stdout" 2>"$OUT_DIR/$role.stderr"
    fi
    rc=$?
    t1=$(date +%s.%N)
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    cpu=$(awk '/^[0-9.]+ [0-9.]+$/ { printf "%.1f", $1 + $2 }' "$OUT_DIR/$role.cpu" 2>/dev/null)
    [[ $rc -eq 0 ]] || failed=1
    LINES+=("$(printf '%-11s %s  wall %7ss  cpu %6ss  rc=%s  %s' "$role" "$acct" "$secs" "${cpu:-?}" "$rc" \
        "$(summary "$OUT_DIR/$role.csv" "$OUT_DIR/$role.log" "$OUT_DIR/$role.stdout")")")
    echo "${LINES[-1]}"
done <<<"$ACCOUNT_LINES"
t_end=$(date +%s.%N)

echo "---"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command (per account): $(cat "$OUT_DIR/management.cmd")  [members add --role arn:aws:iam::<ACCT>:role/$ORG_ROLE]"
printf 'total wall time, %s accounts one after the other: %ss\n' \
    "$(wc -l <<<"$ACCOUNT_LINES")" "$(awk -v a="$t_all" -v b="$t_end" 'BEGIN { printf "%.1f", b - a }')"
if [[ -s "$PROWLER_LAB_BLOCKED_LOG" ]]; then
    echo "non-loopback connections refused by the shim: $(sort "$PROWLER_LAB_BLOCKED_LOG" | uniq -c | awk '{printf "%s (%sx) ", $2, $1}')"
fi
[[ $failed -eq 0 ]] || { echo "prowler_lab: a Prowler run failed: see $OUT_DIR/*.stderr" >&2; exit 1; }
