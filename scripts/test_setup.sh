#!/usr/bin/env bash
# Test of the set-up's Odoo install, offline as far as Odoo goes: the source
# tree of the Odoo that runs now (found from odoo.__file__) is given as
# ODOO_SRC to scripts/setup.sh, which installs it into a fresh temporary
# virtualenv; then scripts/run.sh, on that interpreter and on a PostgreSQL
# cluster and database of its own, must serve /web/login with status 200.
# Everything is stopped and removed at the end, whatever the outcome.
#
# Usage: scripts/test_setup.sh
#
# Odoo's Python dependencies come from pip's usual index (or its cache or a
# mirror set with PIP_INDEX_URL / PIP_FIND_LINKS).
#   SUPPORT_DESK_TEST_SETUP_TIMEOUT  seconds to wait for the login page (900)
set -uo pipefail

# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

require_odoo
SRC_ROOT="$ODOO_ROOT"
START=$(date +%s)
TIMEOUT="${SUPPORT_DESK_TEST_SETUP_TIMEOUT:-900}"

WORK="$(mktemp -d /tmp/support_desk_test_setup.XXXXXX)"
chmod 755 "$WORK"   # the PostgreSQL OS user must traverse it
RUN_PID=""
cleanup() {
    if [ -n "$RUN_PID" ] && kill -0 "$RUN_PID" 2>/dev/null; then
        # run.sh stops Odoo, then the PostgreSQL cluster it started.
        kill -TERM "$RUN_PID" 2>/dev/null
        wait "$RUN_PID" 2>/dev/null
    fi
    RUN_PID=""
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

VENV="$WORK/venv"
export SUPPORT_DESK_ODOO_VENV="$VENV"
export ODOO_PYTHON="$VENV/bin/python"

log "setup.sh with ODOO_SRC=$SRC_ROOT into the fresh virtualenv $VENV"
ODOO_SRC="$SRC_ROOT" bash "$REPO_ROOT/scripts/setup.sh" </dev/null \
    || die "scripts/setup.sh failed"
SETUP_DONE=$(date +%s)
[ -f "$VENV/bin/python" ] || die "setup.sh did not create $VENV"

HTTP_PORT="$(free_port)"
RUN_LOG="$WORK/run.log"
log "run.sh on $ODOO_PYTHON (port $HTTP_PORT, log $RUN_LOG)"
SUPPORT_DESK_LOCAL_DIR="$WORK/local" SUPPORT_DESK_PG_PORT="$(free_port)" \
    bash "$REPO_ROOT/scripts/run.sh" --http-port="$HTTP_PORT" --workers=0 --max-cron-threads=0 \
    </dev/null >"$RUN_LOG" 2>&1 &
RUN_PID=$!

STATUS=""
DEADLINE=$(( $(date +%s) + TIMEOUT ))
while [ "$(date +%s)" -lt "$DEADLINE" ]; do
    if ! kill -0 "$RUN_PID" 2>/dev/null; then
        tail -n 40 "$RUN_LOG" >&2
        die "scripts/run.sh stopped before serving the login page"
    fi
    STATUS="$(python3 - "http://127.0.0.1:$HTTP_PORT/web/login" 2>/dev/null <<'EOF'
import sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=20).status)
except urllib.error.HTTPError as exc:
    print(exc.code)
except OSError:
    print("none")
EOF
)"
    [ "$STATUS" = 200 ] && break
    sleep 5
done
if [ "$STATUS" != 200 ]; then
    tail -n 40 "$RUN_LOG" >&2
    die "no 200 from /web/login within ${TIMEOUT}s (last status: ${STATUS:-none})"
fi
END=$(date +%s)
log "OK: /web/login answered 200; setup $((SETUP_DONE - START))s, run $((END - SETUP_DONE))s, total $((END - START))s"
