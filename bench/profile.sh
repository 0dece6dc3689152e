#!/usr/bin/env bash
# Where the time of a bench/compare.sh figure goes, ours and OCA's side by side:
# rate, queries per item, the statements that cost most (with the addon frame
# that issued them) and a cProfile extract. Same cluster, data and mails as
# bench/compare.sh.
#
# Usage: bench/profile.sh [--what mail,floor,create,batch] [--count 200]
#                         [--side ours,oca] [--queries 25] [--functions 40]
#                         [--focus support_desk] [--frames addon|odoo|none]
#                         [--trace REGEX]
set -euo pipefail
# shellcheck source=bench/_cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/_cluster.sh"

bench_prepare_oca
bench_start_cluster --no-install
bench_install bench_ours "$MODULE_NAME"
bench_install bench_oca helpdesk_mgmt,helpdesk_mgmt_sla
"$ODOO_PY" "$REPO_ROOT/bench/profile_figures.py" "${BENCH_ODOO_ARGS[@]}" \
    --log-level=warn -- --ours=bench_ours --oca=bench_oca "$@"
