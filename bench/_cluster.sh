#!/usr/bin/env bash
# Shared by the bench/ commands: a throwaway PostgreSQL cluster and databases
# with the addons under test installed (no demo data). Sourced, not run.
#
#   BENCH_EXTRA_ADDONS  more addons directories for the Odoo addons path
# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/_common.sh"

require_odoo
BENCH_WORK="$(mktemp -d /tmp/support_desk_bench.XXXXXX)"
chmod 755 "$BENCH_WORK"
BENCH_PGDATA="$BENCH_WORK/pg/data"
BENCH_DB="support_desk_bench"
BENCH_PG_STARTED=0

bench_cleanup() {
    if [ "$BENCH_PG_STARTED" = 1 ]; then
        pg_stop_cluster "$BENCH_PGDATA" immediate
    fi
    rm -rf "$BENCH_WORK"
}
trap bench_cleanup EXIT

bench_start_cluster() {
    ensure_writable_home "$BENCH_WORK/home"
    mkdir -p "$BENCH_WORK/pg"
    pg_make_owned_dir "$BENCH_WORK/pg" || die "PostgreSQL cannot use $BENCH_WORK/pg"
    as_pg_user mkdir -p "$BENCH_PGDATA" "$BENCH_WORK/pg/run"
    as_pg_user chmod 700 "$BENCH_PGDATA"
    BENCH_PGPORT="$(free_port)"
    pg_init_cluster "$BENCH_PGDATA" "$BENCH_WORK/pg/run" "$BENCH_PGPORT" \
        "fsync = off" "synchronous_commit = off" "full_page_writes = off" \
        "shared_buffers = 512MB" "work_mem = 32MB"
    pg_start_cluster "$BENCH_PGDATA" "$BENCH_WORK/pg/postgresql.log"
    BENCH_PG_STARTED=1
    make_addons_dir "$BENCH_WORK/addons" "$REPO_ROOT"
    printf '[options]\n' >"$BENCH_WORK/odoo.conf"
    BENCH_ODOO_ARGS=(
        --config="$BENCH_WORK/odoo.conf"
        --addons-path="$(odoo_addons_path "$BENCH_WORK/addons" ${BENCH_EXTRA_ADDONS:+"$BENCH_EXTRA_ADDONS"})"
        --data-dir="$BENCH_WORK/data" --db_host=127.0.0.1 --db_port="$BENCH_PGPORT"
        --db_user="$PG_SUPERUSER"
    )
    if [ "${1:-}" != "--no-install" ]; then
        bench_install "$BENCH_DB" "$MODULE_NAME"
    fi
}

# bench_install DB MODULES: a new database with MODULES (comma separated).
bench_install() {
    local db="$1" modules="$2"
    log "installing $modules on $db (no demo data)..."
    "$ODOO_PY" -m odoo "${BENCH_ODOO_ARGS[@]}" -d "$db" -i "$modules" \
        --without-demo=all --stop-after-init --log-level=warn --http-port="$(free_port)" \
        </dev/null >"$BENCH_WORK/install-$db.log" 2>&1 \
        || { tail -50 "$BENCH_WORK/install-$db.log" >&2; die "install of $modules failed"; }
}

# bench_prepare_oca: OCA's helpdesk_mgmt and helpdesk_mgmt_sla (18.0 wheels from
# PyPI, cached) unpacked as an addons directory, in BENCH_EXTRA_ADDONS.
bench_prepare_oca() {
    local OCA_CACHE wheel name
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
}
