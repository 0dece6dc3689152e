#!/usr/bin/env bash
# Run the support_desk test suite (at_install + post_install, browser tours
# included) on a throwaway PostgreSQL cluster, then summarise Odoo's results.
#
# Usage: scripts/test.sh [extra odoo options...]
#   e.g. scripts/test.sh --test-tags=/support_desk:TestTicket
#
# Environment:
#   SUPPORT_DESK_ADDON_DIR  addon directory to test (default: the checkout)
#   SUPPORT_DESK_TEST_LOG   where to keep the Odoo log (default: .local/test.log)
#   SUPPORT_DESK_TEST_TIMEOUT  seconds before the Odoo run is killed (default 2700)
#   ODOO_PYTHON             interpreter that runs Odoo 18.0 (see scripts/_common.sh)
#   PG_BINDIR, PG_OS_USER   see scripts/_common.sh
#
# The very last line printed is "N passed, N failed" (", N skipped" when
# some tests were skipped). The counts are Odoo's own (its test report, written
# to a file when the run ends), not read from the log: a log level or handler
# given in the extra options cannot hide a skip or a failure. Exit status is
# non-zero when Odoo failed, its results are missing, a test failed/errored/was
# skipped, no test ran, any ERROR/CRITICAL line was logged, or the module is not
# installed.
set -uo pipefail

# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

require_odoo

ADDON_DIR="${SUPPORT_DESK_ADDON_DIR:-$REPO_ROOT}"
[ -f "$ADDON_DIR/__manifest__.py" ] || die "no __manifest__.py in $ADDON_DIR"
ADDON_DIR="$(cd "$ADDON_DIR" && pwd)"

WORK="$(mktemp -d /tmp/support_desk_test.XXXXXX)"
chmod 755 "$WORK"   # the PostgreSQL OS user must traverse it
PGDATA_DIR="$WORK/pg/data"
PGSOCK_DIR="$WORK/pg/run"
DB="support_desk_test"

LOG="${SUPPORT_DESK_TEST_LOG:-$REPO_ROOT/.local/test.log}"
if ! mkdir -p "$(dirname "$LOG")" 2>/dev/null || ! : >"$LOG" 2>/dev/null; then
    LOG="$(mktemp /tmp/support_desk_test_log.XXXXXX)"
fi

PG_STARTED=0
ODOO_PID=""
TAIL_PID=""
cleanup() {
    if [ -n "$ODOO_PID" ] && kill -0 "$ODOO_PID" 2>/dev/null; then
        kill -TERM "$ODOO_PID" 2>/dev/null
        wait "$ODOO_PID" 2>/dev/null
    fi
    ODOO_PID=""
    if [ -n "$TAIL_PID" ]; then
        wait "$TAIL_PID" 2>/dev/null
        TAIL_PID=""
    fi
    if [ "$PG_STARTED" = 1 ]; then
        pg_stop_cluster "$PGDATA_DIR" immediate
        PG_STARTED=0
    fi
    if [ -n "${WORK:-}" ] && [ -d "$WORK" ]; then
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_writable_home "$WORK/home"

# --- throwaway cluster -------------------------------------------------------
mkdir -p "$WORK/pg"
pg_make_owned_dir "$WORK/pg" || die "PostgreSQL user '$(pg_os_user)' cannot use $WORK/pg"
as_pg_user mkdir -p "$PGDATA_DIR" "$PGSOCK_DIR"
as_pg_user chmod 700 "$PGDATA_DIR"
PGPORT_T="$(free_port)"
# Durability is pointless for a throwaway cluster: trade it for speed.
# pg_stat_statements: tests/test_read_replica.py tells by it which server
# (this one or its streaming replica) ran a request's queries.
pg_init_cluster "$PGDATA_DIR" "$PGSOCK_DIR" "$PGPORT_T" \
    "fsync = off" "synchronous_commit = off" "full_page_writes = off" \
    "shared_preload_libraries = 'pg_stat_statements'"
pg_start_cluster "$PGDATA_DIR" "$WORK/pg/postgresql.log"
PG_STARTED=1

# --- run Odoo ------------------------------------------------------------------
make_addons_dir "$WORK/addons" "$ADDON_DIR"
mkdir -p "$WORK/data"
printf '[options]\n' >"$WORK/odoo.conf"   # keep ~/.odoorc out of the way
HTTP_PORT="$(free_port)"

# Odoo's final line ("F failed, E error(s) of N tests") leaves out skips and
# only the log tells them, one line each: run Odoo's command line (as
# `-m odoo` does) with preload_registries wrapped to write each database's
# test report ("tests failures errors skipped") to $RESULTS once it has run.
RESULTS="$WORK/results"
# shellcheck disable=SC2016
ODOO_MAIN='
import os
import odoo.service.server as server
from odoo.cli.command import main
from odoo.modules.registry import Registry

preload_registries = server.preload_registries

def preload_and_report(dbnames):
    rc = preload_registries(dbnames)
    with open(os.environ["SUPPORT_DESK_TEST_RESULTS"], "w") as results:
        for db in dbnames or []:
            if db in Registry.registries:
                report = Registry.registries[db]._assertion_report
                results.write(
                    f"{report.testsRun} {report.failures_count} "
                    f"{report.errors_count} {report.skipped}\n"
                )
    return rc

server.preload_registries = preload_and_report
main()
'
ODOO_CMD=(
    "$ODOO_PY" -c "$ODOO_MAIN"
    --config="$WORK/odoo.conf"
    -d "$DB"
    -i "$MODULE_NAME"
    --test-enable
    --test-tags="/$MODULE_NAME"
    --stop-after-init
    --log-level=test
    --log-handler=odoo.tests:INFO
    --log-handler=odoo.addons:INFO
    --log-handler=odoo.service.server:INFO
    --workers=0
    --max-cron-threads=0
    --http-interface=127.0.0.1
    --http-port="$HTTP_PORT"
    --addons-path="$(odoo_addons_path "$WORK/addons")"
    --data-dir="$WORK/data"
    --db_host=127.0.0.1
    --db_port="$PGPORT_T"
    --db_user="$PG_SUPERUSER"
    "$@"
)

echo "Running: $ODOO_PY -m odoo ${ODOO_CMD[*]:3} (with its test report kept)"
echo "Odoo log: $LOG"
START=$(date +%s)
TIMEOUT="${SUPPORT_DESK_TEST_TIMEOUT:-2700}"
# Odoo runs in the background (its output shown by `tail --pid`) so that
# Ctrl-C/TERM reach the traps at once; they TERM `timeout`, which passes the
# signal to its whole process group (Odoo and its Chromium) for a clean stop.
: >"$LOG"
SUPPORT_DESK_TEST_RESULTS="$RESULTS" PYTHONUNBUFFERED=1 timeout --kill-after=30 "$TIMEOUT" "${ODOO_CMD[@]}" </dev/null >"$LOG" 2>&1 &
ODOO_PID=$!
tail -n +1 -f --pid="$ODOO_PID" "$LOG" &
TAIL_PID=$!
INTERRUPTED=""
trap 'INTERRUPTED=130; kill -TERM "$ODOO_PID" 2>/dev/null' INT
trap 'INTERRUPTED=143; kill -TERM "$ODOO_PID" 2>/dev/null' TERM
ODOO_RC=0
while kill -0 "$ODOO_PID" 2>/dev/null; do
    wait "$ODOO_PID"
    ODOO_RC=$?
done
ODOO_PID=""
wait "$TAIL_PID" 2>/dev/null
TAIL_PID=""
if [ -n "$INTERRUPTED" ]; then
    cleanup
    echo "test.sh: interrupted; Odoo log: $LOG"
    exit "$INTERRUPTED"
fi
ELAPSED=$(( $(date +%s) - START ))

# Odoo's test report, read before $WORK goes away: "N F E S" (one database).
REPORT=""
[ -s "$RESULTS" ] && REPORT="$(head -n 1 "$RESULTS")"

# Module state, asked before the cluster goes away.
MODULE_STATE="$(as_pg_user "$(pg_bindir)/psql" -X -q -t -A -h "$PGSOCK_DIR" -p "$PGPORT_T" \
    -U "$PG_SUPERUSER" -d "$DB" \
    -c "SELECT state FROM ir_module_module WHERE name = '$MODULE_NAME'" 2>/dev/null || true)"

cleanup
trap - EXIT INT TERM

# --- Odoo's own results ----------------------------------------------------------
# Counts from its test report; its results line and the skip lines are shown
# when the log level let them through, never counted.
RESULT_LINE="$(grep -E '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests when loading database' "$LOG" | tail -n 1)"
LOGLINE_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:,]+ [0-9]+'
SKIP_LINE_RE="$LOGLINE_RE INFO [^ ]+ [^ ]+: skipped "
ERROR_LINES=$(grep -cE "$LOGLINE_RE (ERROR|CRITICAL) " "$LOG")

N=0; F=0; E=0; SKIPPED=0
if [[ "$REPORT" =~ ^[0-9]+\ [0-9]+\ [0-9]+\ [0-9]+$ ]]; then
    read -r N F E SKIPPED <<<"$REPORT"
else
    REPORT=""
fi
FAILED=$((F + E))
PASSED=$((N - F - E - SKIPPED))
[ "$PASSED" -lt 0 ] && PASSED=0

REASONS=()
if [ "$ODOO_RC" -eq 124 ] || [ "$ODOO_RC" -eq 137 ]; then
    REASONS+=("Odoo was killed after ${TIMEOUT}s (SUPPORT_DESK_TEST_TIMEOUT)")
elif [ "$ODOO_RC" -ne 0 ]; then
    REASONS+=("Odoo exited with status $ODOO_RC")
fi
if [ -z "$REPORT" ]; then
    REASONS+=("Odoo's test results are missing (did the module fail to install?)")
elif [ "$N" -eq 0 ]; then
    REASONS+=("no tests ran")
fi
[ "$FAILED" -gt 0 ] && REASONS+=("$F test(s) failed and $E test(s) errored")
if [ "$SKIPPED" -gt 0 ]; then
    SKIP_REASONS="$(grep -E "$SKIP_LINE_RE" "$LOG" | sed -E 's/.*: skipped //' | head -n 3 | paste -sd';' -)"
    REASONS+=("$SKIPPED test(s) skipped (a skipped test counts as a failure): ${SKIP_REASONS:-the log level hid which}")
fi
[ "$ERROR_LINES" -gt 0 ] && REASONS+=("$ERROR_LINES ERROR/CRITICAL line(s) in the log")
[ "$MODULE_STATE" != installed ] && REASONS+=("module $MODULE_NAME is in state '${MODULE_STATE:-absent}', not 'installed'")

echo "--------------------------------------------------------------------------"
echo "Odoo exit status: $ODOO_RC; module state: ${MODULE_STATE:-absent}; ${ELAPSED}s; log: $LOG"
[ -n "$RESULT_LINE" ] && echo "Odoo: ${RESULT_LINE#*: }"
[ -n "$REPORT" ] && echo "Odoo's report: $N tests, $F failed, $E error(s), $SKIPPED skipped"
if [ "$ERROR_LINES" -gt 0 ]; then
    echo "ERROR/CRITICAL lines:"
    grep -E "$LOGLINE_RE (ERROR|CRITICAL) " "$LOG" | head -n 20 | cut -c1-300
fi
STATUS=0
if [ "${#REASONS[@]}" -gt 0 ]; then
    STATUS=1
    for r in "${REASONS[@]}"; do echo "FAIL: $r"; done
fi

SUMMARY="$PASSED passed, $FAILED failed"
[ "$SKIPPED" -gt 0 ] && SUMMARY="$SUMMARY, $SKIPPED skipped"
echo "$SUMMARY"
exit "$STATUS"
