#!/usr/bin/env bash
# Build the odoo-addon-support_desk wheel from this checkout (pyproject.toml,
# whool), install it into a fresh virtualenv next to Odoo (a venv of Odoo's
# interpreter with --system-site-packages: Odoo comes from there, the addon
# only from the wheel), and install the addon from it, with its demo data,
# on a database of a throwaway PostgreSQL cluster. Checks that:
#   * the wheel is named and versioned after the manifest, requires Odoo
#     18.0, and holds every file git tracks (views, data, i18n, static,
#     report, demo) under odoo/addons/support_desk;
#   * Odoo finds the addon in the venv's site-packages, not in this checkout;
#   * the addon ends up installed.
# Prints "test_wheel: OK" last, or dies with the reason. About 2 minutes.
# Needs scripts/setup.sh (whool and wheel live in the lint venv).
set -uo pipefail

# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

require_odoo
BUILD_VENV="$(lint_venv_dir)"
[ -x "$BUILD_VENV/bin/whool" ] || die "$BUILD_VENV/bin/whool is missing: run scripts/setup.sh first"

WORK="$(mktemp -d /tmp/support_desk_wheel.XXXXXX)"
chmod 755 "$WORK"   # the PostgreSQL OS user must traverse it
PGDATA_DIR="$WORK/pg/data"
PGSOCK_DIR="$WORK/pg/run"
DB="support_desk_wheel"
PG_STARTED=0
cleanup() {
    if [ "$PG_STARTED" = 1 ]; then
        pg_stop_cluster "$PGDATA_DIR" immediate
        PG_STARTED=0
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ensure_writable_home "$WORK/home"

# --- build ---------------------------------------------------------------------
# whool names the distribution after the addon's directory: build from the
# files of the working tree that git tracks or would track (not the ignored
# ones), copied into a directory named like the module, whatever this
# checkout is called.
SRC="$WORK/src/$MODULE_NAME"
mkdir -p "$SRC"
(cd "$REPO_ROOT" && git ls-files --cached --others --exclude-standard) \
    | while IFS= read -r f; do [ -f "$REPO_ROOT/$f" ] && printf '%s\n' "$f"; done >"$WORK/files"
tar -C "$REPO_ROOT" -T "$WORK/files" -cf - | tar -C "$SRC" -xf - \
    || die "cannot copy the tracked files of $REPO_ROOT"
git -C "$SRC" init -q && git -C "$SRC" add -A \
    || die "cannot make $SRC a git repository for whool"
log "building the wheel (pip wheel, whool)"
"$BUILD_VENV/bin/python" -m pip wheel -q --no-deps --no-build-isolation \
    -w "$WORK/dist" "$SRC" || die "pip wheel failed"

VERSION="$("$ODOO_PY" -c 'import ast, sys
print(ast.literal_eval(open(sys.argv[1]).read())["version"])' "$REPO_ROOT/__manifest__.py")"
WHEEL="$WORK/dist/odoo_addon_${MODULE_NAME}-$VERSION-py3-none-any.whl"
[ -f "$WHEEL" ] || die "expected $(basename "$WHEEL"), got: $(ls "$WORK/dist")"
log "built $(basename "$WHEEL")"

# Metadata and contents, against the manifest and git.
grep -v -x -e pyproject.toml "$WORK/files" >"$WORK/tracked"
"$ODOO_PY" - "$WHEEL" "$MODULE_NAME" "$VERSION" "$WORK/tracked" <<'PY' || die "wrong wheel"
import sys
import zipfile

wheel, module, version, tracked = sys.argv[1:]
errors = []
with zipfile.ZipFile(wheel) as zf:
    names = set(zf.namelist())
    meta_name = f"odoo_addon_{module}-{version}.dist-info/METADATA"
    meta = zf.read(meta_name).decode()
prefix = f"odoo/addons/{module}/"
expected = {prefix + f for f in open(tracked).read().split("\n") if f}
missing = sorted(expected - names)
if missing:
    errors.append(f"{len(missing)} tracked files missing, e.g. {missing[:5]}")
for kind in ("views/", "data/", "i18n/", "static/", "report/", "demo/", "security/"):
    if not any(n.startswith(prefix + kind) for n in names):
        errors.append(f"no {kind} in the wheel")
headers = [line for line in meta.split("\n\n", 1)[0].split("\n")]
if f"Name: odoo-addon-{module}" not in headers and f"Name: odoo-addon-{module.replace('_', '-')}" not in headers:
    errors.append(f"Name is not odoo-addon-{module}")
if f"Version: {version}" not in headers:
    errors.append(f"Version is not {version}")
if not any(h.startswith("Requires-Dist: odoo") and "18.0" in h for h in headers):
    errors.append("no Requires-Dist on Odoo 18.0")
if "Support Desk" not in meta.split("\n\n", 1)[-1]:
    errors.append("README.rst is not the long description")
for error in errors:
    print("test_wheel:", error, file=sys.stderr)
sys.exit(1 if errors else 0)
PY

# --- install into a fresh venv next to Odoo ---------------------------------------
VENV="$WORK/venv"
"$ODOO_PY" -m venv --system-site-packages "$VENV" || die "venv failed (install python3-venv)"
# --no-deps: Odoo is imported by the interpreter, not installed as the
# distribution `odoo`, and is not on PyPI; the other requirements are checked
# just below.
"$VENV/bin/python" -m pip install -q --no-deps "$WHEEL" || die "pip install of the wheel failed"
BROKEN="$("$VENV/bin/python" -m pip check 2>&1 | grep -i "support[-_]desk" | grep -v -i "requires odoo,")"
[ -z "$BROKEN" ] || die "the wheel's requirements are not satisfied: $BROKEN"

# --- throwaway cluster, and the addon installed from the wheel ------------------------
mkdir -p "$WORK/pg"
pg_make_owned_dir "$WORK/pg" || die "PostgreSQL user '$(pg_os_user)' cannot use $WORK/pg"
as_pg_user mkdir -p "$PGDATA_DIR" "$PGSOCK_DIR"
as_pg_user chmod 700 "$PGDATA_DIR"
PGPORT_W="$(free_port)"
pg_init_cluster "$PGDATA_DIR" "$PGSOCK_DIR" "$PGPORT_W" \
    "fsync = off" "synchronous_commit = off" "full_page_writes = off"
pg_start_cluster "$PGDATA_DIR" "$WORK/pg/postgresql.log"
PG_STARTED=1

# No addons path given: Odoo finds its own addons (and, through the
# odoo.addons namespace, the venv's odoo/addons/) and nothing of this checkout.
printf '[options]\n' >"$WORK/odoo.conf"   # keep ~/.odoorc out of the way
mkdir -p "$WORK/data"
ODOO_ARGS=(
    --config="$WORK/odoo.conf" --data-dir="$WORK/data"
    --db_host=127.0.0.1 --db_port="$PGPORT_W" --db_user="$PG_SUPERUSER"
    -d "$DB" --http-port="$(free_port)" --no-http --log-level=warn
)
log "installing $MODULE_NAME from the wheel on a throwaway database"
(cd "$WORK" && "$VENV/bin/python" -m odoo "${ODOO_ARGS[@]}" -i "$MODULE_NAME" --stop-after-init) \
    >"$WORK/odoo.log" 2>&1
rc=$?
if [ "$rc" -ne 0 ] || grep -q -e " ERROR " -e " CRITICAL " "$WORK/odoo.log"; then
    tail -n 40 "$WORK/odoo.log" >&2
    die "installing $MODULE_NAME from the wheel failed (exit $rc)"
fi

STATE="$(as_pg_user "$(pg_bindir)/psql" -X -q -t -A -h "$PGSOCK_DIR" -p "$PGPORT_W" \
    -U "$PG_SUPERUSER" -d "$DB" \
    -c "SELECT state || ' ' || demo FROM ir_module_module WHERE name = '$MODULE_NAME'")"
# "true": the demo data came from the wheel too.
[ "$STATE" = "installed true" ] \
    || die "$MODULE_NAME is '$STATE' after the install, not 'installed true' (with demo data)"

# Where the addon came from, as Odoo sees it.
FOUND="$(cd "$WORK" && "$VENV/bin/python" - "$WORK/odoo.conf" "$MODULE_NAME" <<'PY'
import sys

from odoo.modules.module import get_module_path
from odoo.tools import config

config.parse_config(["--config", sys.argv[1]])
print(get_module_path(sys.argv[2]))
PY
)"
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
case "$FOUND" in
    "$SITE"/odoo/addons/"$MODULE_NAME") ;;
    *) die "Odoo took $MODULE_NAME from '$FOUND', not from the wheel in $SITE" ;;
esac

log "installed $MODULE_NAME $VERSION from $(basename "$WHEEL")"
echo "test_wheel: OK"
