#!/usr/bin/env bash
# Side-by-side benchmark of support_desk and OCA's helpdesk_mgmt + helpdesk_mgmt_sla
# (18.0 series, from PyPI) on one throwaway PostgreSQL cluster: two databases, the
# same work on both, one table at the end (figure, ours, OCA, ratio).
#
# Usage: bench/compare.sh [--sizes 100000,1000000] [--create 300] [--batches 3]
#                         [--mails 500] [--portal-clients 20] [--portal-seconds 30]
#                         [--skip portal,escalation,...]
# Needs network access to PyPI the first time (the OCA wheels are kept in
# ~/.cache/support_desk/oca). See the README, "Benchmarks".
set -euo pipefail
# shellcheck source=bench/_cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/_cluster.sh"

OCA_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/support_desk/oca"
mkdir -p "$OCA_CACHE"
if ! ls "$OCA_CACHE"/odoo_addon_helpdesk_mgmt-18.0.*.whl >/dev/null 2>&1 \
    || ! ls "$OCA_CACHE"/odoo_addon_helpdesk_mgmt_sla-18.0.*.whl >/dev/null 2>&1; then
    log "downloading helpdesk_mgmt and helpdesk_mgmt_sla 18.0 from PyPI..."
    "$ODOO_PY" -m pip download --quiet --no-deps --dest "$OCA_CACHE" \
        'odoo-addon-helpdesk-mgmt>=18.0,<18.1' 'odoo-addon-helpdesk-mgmt-sla>=18.0,<18.1' \
        || die "cannot download the OCA addons from PyPI"
fi
# Wheels hold odoo/addons/<module>: unpack the newest of each as an addons dir.
mkdir -p "$BENCH_WORK/oca"
for name in helpdesk_mgmt helpdesk_mgmt_sla; do
    wheel="$(ls "$OCA_CACHE"/odoo_addon_"$name"-18.0.*.whl | sort -V | tail -1)"
    python3 -m zipfile -e "$wheel" "$BENCH_WORK/oca"
    log "OCA: $(basename "$wheel")"
done
BENCH_EXTRA_ADDONS="$BENCH_WORK/oca/odoo/addons"

bench_start_cluster --no-install
bench_install bench_ours "$MODULE_NAME"
bench_install bench_oca helpdesk_mgmt,helpdesk_mgmt_sla
"$ODOO_PY" "$REPO_ROOT/bench/compare.py" "${BENCH_ODOO_ARGS[@]}" \
    --ours=bench_ours --oca=bench_oca --work="$BENCH_WORK" -- "$@"
