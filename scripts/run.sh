#!/usr/bin/env bash
# Serve Odoo 18.0 with the support_desk addon on http://localhost:8069.
#
# Usage: scripts/run.sh [-u|--update|--no-update] [--lang=it_IT] [--db_host=H]
#                       [--db_port=P] [--db_user=U] [--db_password=W]
#                       [other odoo options...]
#
# By default a local PostgreSQL cluster kept in .local/pg/ is used (created
# on first use; superuser `odoo`, trust auth on 127.0.0.1, port 5433 or
# $SUPPORT_DESK_PG_PORT, socket in .local/pg/run). It is started for the
# server's lifetime and stopped when the server exits.
# With any of --db_host/--db_port/--db_user/--db_password (or PGHOST, PGPORT,
# PGUSER, PGPASSWORD in the environment) an existing PostgreSQL is used
# instead.
#
# The first run creates database `support_desk` ($SUPPORT_DESK_DB) with the
# addon and its demo data installed (-i support_desk); later runs reuse it;
# -u/--update upgrades the addon (-u support_desk) before serving; otherwise
# click-odoo-update (click-odoo-contrib) upgrades the addons whose files
# changed since the checksums it keeps in the database (--no-update to skip
# that).
# --lang=CODE (or SUPPORT_DESK_LANG=CODE), e.g. it_IT, the language of the
# seeds: loads that language into the database (with the addon's
# translations) and sets it on the users of the demo data (admin, demo,
# portal) before serving.
# Other options go to Odoo as they are (e.g. --http-port=8070, --dev=xml).
# Extra Odoo settings can also go in .local/odoo.conf; the filestore is
# .local/data (SUPPORT_DESK_LOCAL_DIR moves .local elsewhere, e.g. for
# scripts/test_setup.sh). Odoo runs on the interpreter resolved by
# scripts/_common.sh (ODOO_PYTHON overrides). The addons path is ~/.cache/support_desk/addons-<hash>/, whose
# support_desk symlink points at this checkout (kept outside the checkout on
# purpose, see cache_dir in scripts/_common.sh).
set -uo pipefail

# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

require_odoo

DB="${SUPPORT_DESK_DB:-support_desk}"
LOCAL="${SUPPORT_DESK_LOCAL_DIR:-$REPO_ROOT/.local}"
HTTP_PORT=8069
UPDATE=0
DB_HOST="${PGHOST:-}"
DB_PORT="${PGPORT:-}"
DB_USER="${PGUSER:-}"
DB_PASSWORD="${PGPASSWORD:-}"
EXTRA=()
SD_LANG="${SUPPORT_DESK_LANG:-}"

port_in_use() {
    python3 -c 'import socket, sys
s = socket.socket()
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"
}
need_value() { [ "$#" -ge 2 ] || die "option $1 needs a value"; }
while [ "$#" -gt 0 ]; do
    case "$1" in
        -u | --update) UPDATE=1 ;;
        --no-update) UPDATE=-1 ;;
        --db_host=*) DB_HOST="${1#*=}" ;;
        --db_port=*) DB_PORT="${1#*=}" ;;
        --db_user=*) DB_USER="${1#*=}" ;;
        --db_password=*) DB_PASSWORD="${1#*=}" ;;
        --db_host | --db_port | --db_user | --db_password)
            need_value "$@"
            case "$1" in
                --db_host) DB_HOST="$2" ;;
                --db_port) DB_PORT="$2" ;;
                --db_user) DB_USER="$2" ;;
                --db_password) DB_PASSWORD="$2" ;;
            esac
            shift
            ;;
        --lang=*) SD_LANG="${1#*=}" ;;
        --lang)
            need_value "$@"
            SD_LANG="$2"
            shift
            ;;
        --http-port=* | -p=*) HTTP_PORT="${1#*=}" ;;
        --http-port | -p)
            need_value "$@"
            HTTP_PORT="$2"
            shift
            ;;
        -h | --help)
            sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
            exit 0
            ;;
        *) EXTRA+=("$1") ;;
    esac
    shift
done

# Odoo's language codes: ll, ll_CC, ll_NNN, with an optional @script.
if [ -n "$SD_LANG" ] && ! [[ "$SD_LANG" =~ ^[a-z]{2,3}(_[A-Za-z0-9]{2,4})?(@[a-z]+)?$ ]]; then
    die "--lang '$SD_LANG' is not a language code like it_IT"
fi

ADDONS_DIR="$(cache_dir)/addons-$(checkout_key)"
mkdir -p "$LOCAL" "$LOCAL/data"
make_addons_dir "$ADDONS_DIR" "$REPO_ROOT"
[ -f "$LOCAL/odoo.conf" ] || printf '[options]\n' >"$LOCAL/odoo.conf"
ensure_writable_home "$LOCAL/home"

# --- PostgreSQL ------------------------------------------------------------------------
PG_STARTED_HERE=0
PGDATA_DIR=""
if [ -n "$DB_HOST$DB_PORT$DB_USER$DB_PASSWORD" ]; then
    log "using the existing PostgreSQL at ${DB_HOST:-<socket>}:${DB_PORT:-5432} as ${DB_USER:-$(id -un)}"
else
    # The cluster must belong to an unprivileged user (PostgreSQL refuses
    # root), who also needs to reach it: fall back to /var/tmp when the
    # checkout's parents are closed to that user.
    PGROOT="$LOCAL/pg"
    if ! { [ -f "$PGROOT/data/PG_VERSION" ] || pg_make_owned_dir "$PGROOT"; } 2>/dev/null; then
        rmdir "$PGROOT" 2>/dev/null
        PGROOT="/var/tmp/support_desk-pg-$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12)"
        log "user '$(pg_os_user)' cannot reach $LOCAL; keeping the cluster in $PGROOT"
        if ! [ -f "$PGROOT/data/PG_VERSION" ]; then
            pg_make_owned_dir "$PGROOT" || die "cannot prepare $PGROOT for user '$(pg_os_user)'"
        fi
    fi
    PGDATA_DIR="$PGROOT/data"
    PGSOCK_DIR="$PGROOT/run"
    DB_HOST=127.0.0.1
    DB_PORT="${SUPPORT_DESK_PG_PORT:-5433}"
    DB_USER="$PG_SUPERUSER"
    DB_PASSWORD=""
    if ! [ -f "$PGDATA_DIR/PG_VERSION" ]; then
        log "creating PostgreSQL cluster in $PGDATA_DIR (superuser $PG_SUPERUSER, port $DB_PORT)"
        as_pg_user mkdir -p "$PGDATA_DIR" "$PGSOCK_DIR"
        as_pg_user chmod 700 "$PGDATA_DIR"
        pg_init_cluster "$PGDATA_DIR" "$PGSOCK_DIR" "$DB_PORT"
    fi
    if pg_is_running "$PGDATA_DIR"; then
        DB_PORT="$(as_pg_user sed -n '4p' "$PGDATA_DIR/postmaster.pid")"
        log "PostgreSQL already running (port $DB_PORT); it is left running on exit"
    else
        if port_in_use "$DB_PORT"; then
            die "port $DB_PORT is taken by another program; set SUPPORT_DESK_PG_PORT"
        fi
        pg_set_port "$PGDATA_DIR" "$DB_PORT"
        log "starting PostgreSQL (port $DB_PORT, data $PGDATA_DIR)"
        pg_start_cluster "$PGDATA_DIR" "$PGROOT/postgresql.log"
        PG_STARTED_HERE=1
    fi
fi

ODOO_PID=""
cleanup() {
    if [ -n "$ODOO_PID" ] && kill -0 "$ODOO_PID" 2>/dev/null; then
        kill -TERM "$ODOO_PID" 2>/dev/null
        wait "$ODOO_PID" 2>/dev/null
    fi
    if [ "$PG_STARTED_HERE" = 1 ]; then
        log "stopping PostgreSQL"
        pg_stop_cluster "$PGDATA_DIR" fast
        PG_STARTED_HERE=0
    fi
}
trap cleanup EXIT

# --- database state -------------------------------------------------------------------------
# Python with psycopg2 (Odoo's interpreter) on the database, parameters in SD_*.
db_python() {
    SD_HOST="$DB_HOST" SD_PORT="$DB_PORT" SD_USER="$DB_USER" SD_PASSWORD="$DB_PASSWORD" \
        SD_DB="$DB" SD_MODULE="$MODULE_NAME" SD_LANG="$SD_LANG" "$ODOO_PY" -
}

DB_STATE="$(db_python <<'EOF'
import os, sys
import psycopg2

params = {k: os.environ[f"SD_{k.upper()}"] for k in ("host", "port", "user", "password")}
params = {k: v for k, v in params.items() if v}
try:
    with psycopg2.connect(dbname="postgres", **params) as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [os.environ["SD_DB"]])
        if not cr.fetchone():
            print("missing")
            sys.exit(0)
    with psycopg2.connect(dbname=os.environ["SD_DB"], **params) as conn, conn.cursor() as cr:
        cr.execute("SELECT to_regclass('ir_module_module')")
        if cr.fetchone()[0] is None:
            print("empty")
            sys.exit(0)
        cr.execute("SELECT state FROM ir_module_module WHERE name = %s", [os.environ["SD_MODULE"]])
        row = cr.fetchone()
        print(row[0] if row else "unknown")
except psycopg2.Error as exc:
    print(f"error: {exc}".replace("\n", " "))
EOF
)"
AUTO_UPDATE=0
case "$DB_STATE" in
    error:*) die "cannot query PostgreSQL at $DB_HOST:$DB_PORT as $DB_USER: ${DB_STATE#error: }" ;;
    installed)
        MODULE_ARGS=()
        if [ "$UPDATE" = 1 ]; then
            MODULE_ARGS=(-u "$MODULE_NAME")
            log "database '$DB' exists: upgrading $MODULE_NAME"
        elif [ "$UPDATE" = 0 ]; then
            AUTO_UPDATE=1
        else
            log "database '$DB' exists with $MODULE_NAME installed (use -u to upgrade it)"
        fi
        ;;
    *)
        MODULE_ARGS=(-i "$MODULE_NAME")
        log "database '$DB' ($DB_STATE): installing $MODULE_NAME with demo data (first run takes a few minutes)"
        ;;
esac

DB_ARGS=()
[ -n "$DB_HOST" ] && DB_ARGS+=(--db_host="$DB_HOST")
[ -n "$DB_PORT" ] && DB_ARGS+=(--db_port="$DB_PORT")
[ -n "$DB_USER" ] && DB_ARGS+=(--db_user="$DB_USER")
[ -n "$DB_PASSWORD" ] && DB_ARGS+=(--db_password="$DB_PASSWORD")

ODOO_BASE=(
    "$ODOO_PY" -m odoo
    --config="$LOCAL/odoo.conf"
    -d "$DB"
    --db-filter="^${DB}\$"
    --addons-path="$(odoo_addons_path "$ADDONS_DIR")"
    --data-dir="$LOCAL/data"
    "${DB_ARGS[@]}"
)

# --- upgrades on start: click-odoo-update ------------------------------------------------
# click-odoo-update (click-odoo-contrib, requirements.txt) keeps a checksum of
# each installed addon's files in the database (ir.config_parameter
# module_auto_update.installed_checksums) and upgrades the addons whose files
# changed since, then stores the new checksums; it is what deployments of
# Odoo addons use, and it knows nothing of this checkout. --ignore-core-addons:
# Odoo's own addons only change with Odoo (its stable policy), so only ours
# are checked. It takes its settings from a configuration file only: a
# private copy of .local/odoo.conf with this run's database, addons path and
# data directory (the filestore) in it, removed afterwards.
# It hashes every file of the addon's directory but the excluded patterns
# (ir.config_parameter module_auto_update.exclude_patterns): this checkout
# also holds .git, .local (the cluster, the filestore, the logs), scripts,
# which change without the addon changing, so when the database has no
# patterns yet they are set to click-odoo-update's defaults plus those.
CLICK_EXCLUDE_PATTERNS="*.pyc,*.pyo,i18n/*.pot,i18n_extra/*.pot,static/*,tests/*"
CLICK_EXCLUDE_PATTERNS+=",.git,.git/*,.local/*,.venv*,.ruff_cache/*,build/*,bench/*,scripts/*,.ci/*"
click_odoo_update() {
    local conf rc
    if ! "$ODOO_PY" -c 'import click_odoo_contrib.update' 2>/dev/null; then
        log "WARNING: click-odoo-contrib is not installed for $ODOO_PY (run scripts/setup.sh):" \
            "no automatic upgrade; -u upgrades $MODULE_NAME"
        return 0
    fi
    conf="$(mktemp "$LOCAL/click-odoo-update.XXXXXX")" || die "cannot write in $LOCAL"
    SD_CONF_IN="$LOCAL/odoo.conf" SD_CONF_OUT="$conf" SD_DATA_DIR="$LOCAL/data" \
        SD_ADDONS_PATH="$(odoo_addons_path "$ADDONS_DIR")" \
        SD_EXCLUDE="$CLICK_EXCLUDE_PATTERNS" db_python <<'EOF' || { rm -f "$conf"; return 1; }
import configparser
import os

import psycopg2

params = {k: os.environ[f"SD_{k.upper()}"] for k in ("host", "port", "user", "password")}
params = {k: v for k, v in params.items() if v}
with psycopg2.connect(dbname=os.environ["SD_DB"], **params) as conn, conn.cursor() as cr:
    cr.execute(
        """
        INSERT INTO ir_config_parameter (key, value, create_date, write_date)
        VALUES ('module_auto_update.exclude_patterns', %s,
                now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
        ON CONFLICT (key) DO NOTHING
        """,
        [os.environ["SD_EXCLUDE"]],
    )

conf = configparser.RawConfigParser()
conf.read(os.environ["SD_CONF_IN"])
if not conf.has_section("options"):
    conf.add_section("options")
for key in ("host", "port", "user", "password"):
    if os.environ[f"SD_{key.upper()}"]:
        conf.set("options", f"db_{key}", os.environ[f"SD_{key.upper()}"])
conf.set("options", "addons_path", os.environ["SD_ADDONS_PATH"])
conf.set("options", "data_dir", os.environ["SD_DATA_DIR"])
with open(os.environ["SD_CONF_OUT"], "w") as out:
    conf.write(out)
EOF
    "$ODOO_PY" -m click_odoo_contrib.update -c "$conf" -d "$DB" --ignore-core-addons "$@" </dev/null
    rc=$?
    rm -f "$conf"
    return "$rc"
}

# --- language of the demo users (--lang) ---------------------------------------------------
LANG_ARGS=()
# The users' language can only be set once the database has the addon and the
# language: install/upgrade (loading the language) in a first Odoo run, set
# the language, then serve.
if [ -n "$SD_LANG" ]; then
    LANG_ACTIVE="$(db_python <<'EOF'
import os
import psycopg2

params = {k: os.environ[f"SD_{k.upper()}"] for k in ("host", "port", "user", "password")}
params = {k: v for k, v in params.items() if v}
try:
    with psycopg2.connect(dbname=os.environ["SD_DB"], **params) as conn, conn.cursor() as cr:
        cr.execute("SELECT active FROM res_lang WHERE code = %s", [os.environ["SD_LANG"]])
        row = cr.fetchone()
        print("yes" if row and row[0] else "no")
except psycopg2.Error:
    print("no")
EOF
)"
    [ "$LANG_ACTIVE" = yes ] || LANG_ARGS=(--load-language="$SD_LANG")
fi

# Install (-i) or upgrade (-u) in an Odoo run of its own, with the language to
# load if any, then store the checksums of the addons as installed; otherwise
# let click-odoo-update upgrade what changed since.
if [ "${#MODULE_ARGS[@]}" -gt 0 ] || [ "${#LANG_ARGS[@]}" -gt 0 ]; then
    log "running Odoo once for: ${MODULE_ARGS[*]} ${LANG_ARGS[*]}"
    "${ODOO_BASE[@]}" "${MODULE_ARGS[@]}" "${LANG_ARGS[@]}" --stop-after-init \
        --no-http "${EXTRA[@]}" </dev/null \
        || die "Odoo failed to install/upgrade $MODULE_NAME${SD_LANG:+ with language $SD_LANG}"
fi
if [ "${#MODULE_ARGS[@]}" -gt 0 ]; then
    click_odoo_update --only-compute-hashes \
        || die "click-odoo-update could not store the addons' checksums"
elif [ "$AUTO_UPDATE" = 1 ]; then
    log "database '$DB' exists: upgrading the addons whose files changed (click-odoo-update; --no-update to skip)"
    click_odoo_update || die "click-odoo-update failed to upgrade the database (see above)"
fi

if [ -n "$SD_LANG" ]; then
    LANG_RESULT="$(db_python <<'EOF'
import os
import psycopg2

params = {k: os.environ[f"SD_{k.upper()}"] for k in ("host", "port", "user", "password")}
params = {k: v for k, v in params.items() if v}
lang = os.environ["SD_LANG"]
with psycopg2.connect(dbname=os.environ["SD_DB"], **params) as conn, conn.cursor() as cr:
    cr.execute("SELECT 1 FROM res_lang WHERE code = %s AND active", [lang])
    if not cr.fetchone():
        print(f"error: Odoo has no language {lang}")
        raise SystemExit(0)
    # The users of the demo data (admin, demo, portal, ...): those with an
    # XML id of base or of the addon, still active (not __system__, public).
    # Odoo is not running: plain SQL on the partner, which holds the users' lang.
    cr.execute(
        '''
        UPDATE res_partner p SET lang = %s
          FROM res_users u
          JOIN ir_model_data d
            ON d.model = 'res.users' AND d.res_id = u.id AND d.module IN ('base', %s)
         WHERE u.partner_id = p.id AND u.active
     RETURNING u.login
        ''',
        [lang, os.environ["SD_MODULE"]],
    )
    print("ok: " + ", ".join(sorted(row[0] for row in cr.fetchall())))
EOF
)" || die "could not set language $SD_LANG on the demo users"
    case "$LANG_RESULT" in
        ok:*) log "language $SD_LANG set on users: ${LANG_RESULT#ok: }" ;;
        *) die "${LANG_RESULT#error: } (is '$SD_LANG' a language Odoo knows?)" ;;
    esac
fi

ODOO_CMD=(
    "${ODOO_BASE[@]}"
    --http-port="$HTTP_PORT"
    "${EXTRA[@]}"
)

cat <<EOF
==========================================================================
 Support Desk on Odoo 18.0:   http://localhost:$HTTP_PORT   (database: $DB)
 Back office: admin / admin (agent: demo / demo)    Portal: portal / portal
 Stop with Ctrl-C.
==========================================================================
EOF

# Odoo runs as a child so that a TERM sent to this script reaches it and the
# cluster is stopped afterwards; Ctrl-C reaches Odoo directly from the terminal.
"${ODOO_CMD[@]}" &
ODOO_PID=$!
trap 'kill -TERM "$ODOO_PID" 2>/dev/null' TERM
trap ':' INT
RC=0
while kill -0 "$ODOO_PID" 2>/dev/null; do
    wait "$ODOO_PID"
    RC=$?
done
ODOO_PID=""
exit "$RC"
