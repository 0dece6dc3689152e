#!/usr/bin/env bash
# Multi-worker load test: Odoo with 4 HTTP workers and 2 cron workers on a
# throwaway PostgreSQL primary and its streaming replica, agents, portal
# customers, mails (IMAP, Dovecot), PBX events and the crons all at once; then
# the queues are drained and checked. See bench/load.py and the README
# ("Load test").
#
# Usage: bench/load.sh [--minutes 5] [--agents 20] [--customers 50]
#                      [--mail-rate 5] [--pbx-rate 2] [--workers 4]
#                      [--cron-workers 2] [--seed 2000]
# Needs Dovecot (dovecot-imapd) and aiosmtpd, as the tests do. The logs of the
# run (Odoo's, PostgreSQL's) are kept in .local/load/ ($SUPPORT_DESK_LOAD_LOGS).
set -euo pipefail
# shellcheck source=bench/_cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/_cluster.sh"

REPLICA_DIR="$BENCH_WORK/replica"
# Odoo's and PostgreSQL's logs of the run are kept here.
LOAD_LOGS="${SUPPORT_DESK_LOAD_LOGS:-$REPO_ROOT/.local/load}"
load_cleanup() {
    mkdir -p "$LOAD_LOGS"
    cp "$BENCH_WORK/odoo-load.log" "$LOAD_LOGS/odoo.log" 2>/dev/null || true
    cp "$BENCH_WORK/pg/postgresql.log" "$LOAD_LOGS/postgresql.log" 2>/dev/null || true
    bash "$REPO_ROOT/scripts/replica.sh" stop "$REPLICA_DIR" >/dev/null 2>&1 || true
    bench_cleanup
}
trap load_cleanup EXIT

bench_start_cluster
REPLICA_PORT="$(bash "$REPO_ROOT/scripts/replica.sh" start "$BENCH_PGPORT" "$REPLICA_DIR")"
log "replica streaming on port $REPLICA_PORT"
"$ODOO_PY" "$REPO_ROOT/bench/load.py" "${BENCH_ODOO_ARGS[@]}" -- \
    --db "$BENCH_DB" --replica-port "$REPLICA_PORT" --work "$BENCH_WORK" \
    --pg-log "$BENCH_WORK/pg/postgresql.log" "$@"
