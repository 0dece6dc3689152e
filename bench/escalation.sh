#!/usr/bin/env bash
# Benchmark of the SLA escalation cron: N open tickets with a resolution SLA line
# each, of which a share is due; one cron run; time, queries and query plan.
#
# Usage: bench/escalation.sh [--tickets 100000] [--due-ratio 0.01]
set -euo pipefail
# shellcheck source=bench/_cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/_cluster.sh"
bench_start_cluster
"$ODOO_PY" "$REPO_ROOT/bench/escalation_bench.py" "${BENCH_ODOO_ARGS[@]}" -d "$BENCH_DB" -- "$@"
