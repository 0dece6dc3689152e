# shellcheck shell=bash
# Shared helpers for scripts/*.sh (sourced, never executed directly).
#
# Conventions:
#   * Odoo is always run as `"$ODOO_PY" -m odoo` (never located by path), where
#     ODOO_PY is the interpreter resolved once by require_odoo: $ODOO_PYTHON
#     when set, else `python3` when it imports Odoo 18.0, else the project's
#     own virtualenv made by scripts/setup.sh (see odoo_venv_dir).
#   * PostgreSQL clusters made by these scripts have a superuser named `odoo`
#     with trust authentication on 127.0.0.1 only.
#   * PostgreSQL refuses to run as root: when we are root, initdb/pg_ctl run as
#     an unprivileged system user (`postgres` from the Debian package, or a
#     `supportdesk` system user created on demand).

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE_NAME="support_desk"
PG_SUPERUSER="odoo"

# Set by require_odoo / resolve_odoo_python, used by the scripts sourcing this.
# shellcheck disable=SC2034
ODOO_PY="" ODOO_ROOT=""

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The virtualenv into which scripts/setup.sh installs Odoo 18.0 when no
# interpreter imports it (SUPPORT_DESK_ODOO_VENV overrides). Outside the
# checkout for the same reason as the lint one (see cache_dir).
odoo_venv_dir() {
    echo "${SUPPORT_DESK_ODOO_VENV:-$(cache_dir)/venv-odoo18}"
}

# Print "<series> <source root>" of the Odoo that interpreter $1 imports; the
# source root is the directory holding the `odoo` package.
odoo_probe() {
    [ -n "$1" ] && command -v "$1" >/dev/null 2>&1 || return 1
    (cd / && "$1" -c 'import os, odoo.release as r
print(r.series, os.path.dirname(os.path.dirname(os.path.abspath(r.__file__))))' 2>/dev/null)
}

# Resolve the interpreter that runs Odoo 18.0 into ODOO_PY (and its source
# root into ODOO_ROOT); return 1 when there is none. An explicit ODOO_PYTHON
# is the only candidate: a wrong one must fail, not fall back silently.
resolve_odoo_python() {
    local candidates=() py probe
    if [ -n "${ODOO_PYTHON:-}" ]; then
        candidates=("$ODOO_PYTHON")
    else
        candidates=(python3 "$(odoo_venv_dir)/bin/python")
    fi
    for py in "${candidates[@]}"; do
        probe="$(odoo_probe "$py")" || continue
        if [ "${probe%% *}" = "18.0" ]; then
            # shellcheck disable=SC2034  # read by the scripts
            ODOO_PY="$py"
            ODOO_ROOT="${probe#* }"
            return 0
        fi
    done
    return 1
}

# Resolve ODOO_PY, or exit 1 with a loud message telling to run setup.sh.
require_odoo() {
    resolve_odoo_python && return 0
    {
        echo "************************************************************"
        if [ -n "${ODOO_PYTHON:-}" ]; then
            echo "ODOO_PYTHON=$ODOO_PYTHON does not import Odoo 18.0."
        else
            echo "Odoo 18.0 is not importable by python3 nor by $(odoo_venv_dir)/bin/python."
        fi
        echo "Run: bash scripts/setup.sh   (it installs Odoo 18.0 in that virtualenv;"
        echo "ODOO_SRC=<dir|archive|git URL> picks where Odoo comes from)"
        echo "************************************************************"
    } >&2
    exit 1
}

# Addons path for Odoo: the directories given, then the root `addons/` of
# the source when it holds Odoo's addons (the layout of Odoo's git
# repository; the nightly archives keep them all in odoo/addons, which Odoo
# always searches first). Needs require_odoo.
odoo_addons_path() {
    local IFS=,
    local dirs=("$@")
    if [ -f "$ODOO_ROOT/addons/mail/__manifest__.py" ]; then
        dirs+=("$ODOO_ROOT/addons")
    fi
    echo "${dirs[*]}"
}

# Directory holding initdb/pg_ctl/postgres/psql (PG_BINDIR overrides).
pg_bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then
        echo "$PG_BINDIR"
        return
    fi
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        # Resolve symlinks (e.g. /usr/local/bin/initdb -> .../15/bin/initdb)
        # so that psql/postgres of the same version sit next to it.
        dirname "$(readlink -f "$(command -v initdb)")"
        return
    fi
    # Debian keeps the server binaries out of PATH.
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then
        echo "$d"
        return
    fi
    die "PostgreSQL server binaries (initdb, pg_ctl) not found; run scripts/setup.sh (or set PG_BINDIR)"
}

# The OS user that owns and runs the embedded clusters.
pg_os_user() {
    if [ "$(id -u)" != 0 ]; then
        id -un
        return
    fi
    if [ -n "${PG_OS_USER:-}" ]; then
        echo "$PG_OS_USER"
    elif id postgres >/dev/null 2>&1; then
        echo postgres
    else
        if ! id supportdesk >/dev/null 2>&1; then
            useradd --system --user-group --home-dir /nonexistent \
                --shell /usr/sbin/nologin supportdesk >/dev/null 2>&1 \
                || die "cannot create system user 'supportdesk' to run PostgreSQL"
        fi
        echo supportdesk
    fi
}

# Run a command as the PostgreSQL OS user (a no-op wrapper when not root).
as_pg_user() {
    local user
    user="$(pg_os_user)"
    if [ "$(id -u)" = 0 ] && [ "$user" != root ]; then
        # Run from / so that an unreadable cwd gives no warnings.
        (cd / && runuser -u "$user" -- "$@")
    else
        "$@"
    fi
}

# Create DIR (and parents) owned by the PostgreSQL OS user; return 1 when
# that user cannot reach it (e.g. a parent directory lacks o+x).
pg_make_owned_dir() {
    local dir="$1" user
    user="$(pg_os_user)"
    mkdir -p "$dir" || return 1
    if [ "$(id -u)" = 0 ]; then
        chown "$user:" "$dir" || return 1
    fi
    chmod 700 "$dir" || return 1
    as_pg_user test -w "$dir" -a -x "$dir"
}

# Print a free TCP port on 127.0.0.1.
free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# initdb a cluster in $1 with socket dir $2, port $3; extra postgresql.conf
# lines may follow as further arguments.
pg_init_cluster() {
    local data="$1" sock="$2" port="$3"
    shift 3
    local bindir
    bindir="$(pg_bindir)"
    as_pg_user "$bindir/initdb" -D "$data" -U "$PG_SUPERUSER" --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null \
        || die "initdb failed for $data"
    {
        echo ""
        echo "# --- added by support_desk scripts ---"
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $port"
        echo "unix_socket_directories = '$sock'"
        echo "max_connections = 100"
        echo "shared_buffers = 128MB"
        local line
        for line in "$@"; do echo "$line"; done
    } | as_pg_user tee -a "$data/postgresql.conf" >/dev/null
}

# Set the port of an existing cluster.
pg_set_port() {
    local data="$1" port="$2"
    if as_pg_user grep -q '^port = ' "$data/postgresql.conf"; then
        as_pg_user sed -i "s/^port = .*/port = $port/" "$data/postgresql.conf"
    else
        echo "port = $port" | as_pg_user tee -a "$data/postgresql.conf" >/dev/null
    fi
}

pg_is_running() {
    as_pg_user "$(pg_bindir)/pg_ctl" -D "$1" status >/dev/null 2>&1
}

pg_start_cluster() {
    local data="$1" logfile="$2"
    # setsid: the server gets a session of its own, so a Ctrl-C meant for
    # Odoo does not also shut PostgreSQL down under it (the scripts stop it).
    as_pg_user setsid "$(pg_bindir)/pg_ctl" -D "$data" -l "$logfile" -w -t 60 start >/dev/null \
        || { cat "$logfile" >&2 2>/dev/null; die "could not start PostgreSQL in $data (log: $logfile)"; }
}

pg_stop_cluster() {
    local data="$1" mode="${2:-fast}"
    as_pg_user "$(pg_bindir)/pg_ctl" -D "$data" -m "$mode" -w -t 60 stop >/dev/null 2>&1 || true
}

# Per-user cache for what must NOT live inside the checkout. The checkout IS
# the addon, and Odoo's translation exporter (TranslationModuleReader, used by
# --i18n-export and by tests that check the .pot) walks the whole module
# directory with os.walk(followlinks=True): a virtualenv in there would be
# scanned file by file (minutes, and junk terms attributed to support_desk),
# and an addons-path symlink back to the checkout would make it loop.
cache_dir() {
    local d="${SUPPORT_DESK_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/support_desk}"
    if ! mkdir -p "$d" 2>/dev/null || [ ! -w "$d" ]; then
        d="/tmp/support_desk-cache-$(id -u)"
        mkdir -p "$d"
    fi
    echo "$d"
}

# The lint tools' virtualenv, keyed by requirements-dev.txt and the Python
# version so that a change of pins gets a fresh venv (SUPPORT_DESK_LINT_VENV
# overrides).
lint_venv_dir() {
    if [ -n "${SUPPORT_DESK_LINT_VENV:-}" ]; then
        echo "$SUPPORT_DESK_LINT_VENV"
        return
    fi
    local key
    key="$( { cat "$REPO_ROOT/requirements-dev.txt"; python3 -c 'import sys; print(sys.version)'; } \
        | sha256sum | cut -c1-12)"
    echo "$(cache_dir)/venv-lint-$key"
}

# Short key identifying this checkout (for per-checkout dirs outside it).
checkout_key() {
    printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12
}

# Make "$1/support_desk" a symlink to the addon directory $2, so that "$1"
# can be given to Odoo as an addons path whatever the checkout is called.
# "$1" must be outside the checkout (see cache_dir).
make_addons_dir() {
    local dir="$1" addon="$2"
    mkdir -p "$dir"
    ln -sfn "$addon" "$dir/$MODULE_NAME"
}

# A writable HOME (Chromium wants one; CI may have none).
ensure_writable_home() {
    local fallback="$1"
    if [ -z "${HOME:-}" ] || [ ! -d "$HOME" ] || [ ! -w "$HOME" ]; then
        mkdir -p "$fallback"
        export HOME="$fallback"
    fi
}
