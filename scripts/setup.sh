#!/usr/bin/env bash
# Idempotent developer/CI setup for the support_desk addon.
#
#   * Debian packages: PostgreSQL (server + client), Chromium (browser
#     tours), wkhtmltopdf (PDF reports), Dovecot (the IMAP server of the mail
#     tests), fonts, and the -dev headers that
#     Odoo's own Python dependencies build against.
#   * Python packages the addon and its tests need (requirements.txt),
#     installed into the python3 that runs Odoo, without moving any package
#     that is already installed (Odoo pins Werkzeug 2.2.2, lxml 4.9.3, ...).
#   * Lint tools (requirements-dev.txt) in their own virtualenv, since they
#     need newer versions of packages that Odoo pins. It lives OUTSIDE the
#     checkout, in ~/.cache/support_desk/venv-lint-<hash> (see cache_dir in
#     _common.sh for why: Odoo's translation exporter would scan it).
#
# Odoo 18.0 itself is a prerequisite: this script never installs it, it only
# checks at the end that `python3 -c "import odoo"` gives series 18.0.
set -euo pipefail

# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

APT_PACKAGES=(
    postgresql
    postgresql-client
    chromium
    wkhtmltopdf
    poppler-utils
    fonts-dejavu-core
    fonts-noto-core
    fonts-liberation2
    libpq-dev
    libldap2-dev
    libsasl2-dev
    dovecot-imapd
)

LINT_VENV="$(lint_venv_dir)"
REQUIREMENTS="$REPO_ROOT/requirements.txt"
REQUIREMENTS_DEV="$REPO_ROOT/requirements-dev.txt"

export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_ROOT_USER_ACTION=ignore

# --- Debian packages ---------------------------------------------------------------
dpkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

install_apt_packages() {
    local missing=() pkg sudo=()
    if ! command -v dpkg-query >/dev/null 2>&1; then
        log "not a Debian-like system: install these yourself: ${APT_PACKAGES[*]}"
        return
    fi
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg_installed "$pkg" || missing+=("$pkg")
    done
    # python3 -m venv needs ensurepip (Debian's python3 has it in python3-venv).
    if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
        dpkg_installed python3-venv || missing+=(python3-venv)
    fi
    if [ "${#missing[@]}" -eq 0 ]; then
        log "Debian packages: all present"
        return
    fi
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 \
            || die "missing Debian packages (${missing[*]}) and not root (no sudo)"
        sudo=(sudo -E)
    fi
    log "installing Debian packages: ${missing[*]}"
    local aptlog
    aptlog="$(mktemp /tmp/support_desk_apt.XXXXXX)"
    if ! { "${sudo[@]}" apt-get update -q \
        && "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
        >"$aptlog" 2>&1; then
        tail -n 40 "$aptlog" >&2
        rm -f "$aptlog"
        die "apt-get install failed"
    fi
    rm -f "$aptlog"
}

# --- Python packages for Odoo's interpreter ---------------------------------------
pip_extra_args() {
    # PEP 668: a distribution's python3 refuses plain `pip install`.
    if python3 - <<'EOF'
import os, sys, sysconfig
sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) else 1)
EOF
    then
        echo "--break-system-packages"
    fi
}

install_python_packages() {
    local constraints extra
    constraints="$(mktemp /tmp/support_desk_constraints.XXXXXX)"
    # Every installed distribution, except those requirements.txt names, is
    # frozen at its current version: pip then fails rather than upgrading
    # something Odoo pins.
    python3 - "$REQUIREMENTS" >"$constraints" <<'EOF'
import re, subprocess, sys

def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()

wanted = set()
with open(sys.argv[1]) as fh:
    for line in fh:
        line = line.split("#", 1)[0].strip()
        m = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
        if m:
            wanted.add(norm(m.group(0)))
frozen = subprocess.run(
    [sys.executable, "-m", "pip", "list", "--format=freeze"],
    check=True, capture_output=True, text=True,
).stdout
for line in frozen.splitlines():
    name = line.split("==", 1)[0]
    if "==" in line and norm(name) not in wanted:
        print(line)
EOF
    extra="$(pip_extra_args)"
    log "pip install -r requirements.txt (into $(python3 -c 'import sys; print(sys.executable)'))"
    # shellcheck disable=SC2086
    python3 -m pip install -q $extra -r "$REQUIREMENTS" -c "$constraints" \
        || { rm -f "$constraints"; die "pip install -r requirements.txt failed"; }
    rm -f "$constraints"
}

# --- lint tools in their own venv ------------------------------------------------------
install_lint_venv() {
    # The venv's name already carries the hash of requirements-dev.txt.
    local stamp="$LINT_VENV/.installed"
    if [ -x "$LINT_VENV/bin/python" ] && "$LINT_VENV/bin/python" -c '' 2>/dev/null \
        && [ -f "$stamp" ]; then
        log "lint venv: up to date ($LINT_VENV)"
        return
    fi
    if ! [ -x "$LINT_VENV/bin/python" ] || ! "$LINT_VENV/bin/python" -c '' 2>/dev/null; then
        rm -rf "$LINT_VENV"
        log "creating lint venv $LINT_VENV"
        python3 -m venv "$LINT_VENV" || die "python3 -m venv failed (install python3-venv)"
    fi
    log "installing lint tools into $LINT_VENV"
    "$LINT_VENV/bin/python" -m pip install -q -r "$REQUIREMENTS_DEV" \
        || die "pip install -r requirements-dev.txt failed"
    date -u +%FT%TZ >"$stamp"
}

install_apt_packages
install_python_packages
install_lint_venv

# --- checks ------------------------------------------------------------------------
require_odoo
werkzeug_version="$(python3 -c 'import odoo, werkzeug; print(werkzeug.__version__)')"
case "$werkzeug_version" in
    2.2.*) ;;
    *) die "Werkzeug is $werkzeug_version but Odoo 18.0 needs 2.2.x: something upgraded it" ;;
esac
python3 -c 'import websocket, phonenumbers, openpyxl' \
    || die "a package of requirements.txt is not importable by python3"
for tool in ruff pylint oca-checks-odoo-module; do
    [ -x "$LINT_VENV/bin/$tool" ] || die "$tool missing from $LINT_VENV"
done
log "OK: Odoo $(python3 -c 'import odoo.release as r; print(r.version)'), Werkzeug $werkzeug_version, lint tools in $LINT_VENV"
