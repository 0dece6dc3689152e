#!/usr/bin/env bash
# Side-by-side benchmark of support_desk and OCA's helpdesk_mgmt + helpdesk_mgmt_sla
# (18.0 series, from PyPI) on one throwaway PostgreSQL cluster: two databases, the
# same work on both, one table at the end (figure, ours, OCA, ratio).
#
# Usage: bench/compare.sh [--sizes 100000,1000000] [--create 300] [--batches 3]
#                         [--mails 500] [--rounds 4] [--portal-clients 20] [--portal-seconds 30]
#                         [--skip portal,escalation,...]
# Needs network access to PyPI the first time (the OCA wheels are kept in
# ~/.cache/support_desk/oca). See the README, "Benchmarks".
set -euo pipefail
# shellcheck source=bench/_cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/_cluster.sh"

bench_prepare_oca
bench_start_cluster --no-install
bench_install bench_ours "$MODULE_NAME"
bench_install bench_oca helpdesk_mgmt,helpdesk_mgmt_sla
"$ODOO_PY" "$REPO_ROOT/bench/compare.py" "${BENCH_ODOO_ARGS[@]}" \
    --ours=bench_ours --oca=bench_oca --work="$BENCH_WORK" -- "$@"
