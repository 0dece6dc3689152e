#!/usr/bin/env bash
# Idempotent developer/CI setup for the support_desk addon.
#
#   * Debian packages: PostgreSQL (server + client), Chromium (browser
#     tours), wkhtmltopdf (PDF reports), Dovecot (the IMAP server of the mail
#     tests), fonts, and the -dev headers that
#     Odoo's own Python dependencies build against.
#   * Odoo 18.0 Community, when no interpreter imports it (python3, or
#     $ODOO_PYTHON when set): into the project's own virtualenv, outside the
#     checkout (~/.cache/support_desk/venv-odoo18, SUPPORT_DESK_ODOO_VENV
#     overrides), from ODOO_SRC (a source directory, used in place; a source
#     archive; or a git URL, with ODOO_REF, default 18.0), by default Odoo's
#     public repository (shallow clone of 18.0), falling back to its nightly
#     18.0 source archive. Odoo's requirements.txt is installed with the fixes
#     a current Python needs (cbor2), then `odoo --version` and
#     `import odoo.addons.base` are checked. An Odoo 18.0 already importable
#     by python3 is used as it is (ODOO_SRC is then ignored).
#   * Python packages the addon and its tests need (requirements.txt),
#     installed into the interpreter that runs Odoo, without moving any
#     package that is already installed (Odoo pins Werkzeug 2.2.2, lxml 4.9.3).
#   * Lint tools (requirements-dev.txt) in their own virtualenv, since they
#     need newer versions of packages that Odoo pins. It lives OUTSIDE the
#     checkout, in ~/.cache/support_desk/venv-lint-<hash> (see cache_dir in
#     _common.sh for why: Odoo's translation exporter would scan it).
#
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
# Only when Odoo is installed here: what its Python dependencies build with
# (psycopg2, python-ldap, cbor2) and what fetches its source.
ODOO_BUILD_PACKAGES=(
    build-essential
    python3-dev
    python3-venv
    git
    curl
    ca-certificates
)
ODOO_GIT_URL="https://github.com/odoo/odoo.git"
ODOO_NIGHTLY_URL="https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz"

LINT_VENV="$(lint_venv_dir)"
ODOO_VENV="$(odoo_venv_dir)"
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
    local wanted=("${APT_PACKAGES[@]}")
    [ "$NEED_ODOO" = 1 ] && wanted+=("${ODOO_BUILD_PACKAGES[@]}")
    for pkg in "${wanted[@]}"; do
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
    if "$ODOO_PY" - <<'EOF'
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
    "$ODOO_PY" - "$REQUIREMENTS" >"$constraints" <<'EOF'
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
    log "pip install -r requirements.txt (into $("$ODOO_PY" -c 'import sys; print(sys.executable)'))"
    # shellcheck disable=SC2086
    "$ODOO_PY" -m pip install -q $extra -r "$REQUIREMENTS" -c "$constraints" \
        || { rm -f "$constraints"; die "pip install -r requirements.txt failed"; }
    rm -f "$constraints"
}

# --- Odoo 18.0 in the project's virtualenv ----------------------------------------------
# Print the directory holding the `odoo` package inside $1 (an unpacked
# archive has one directory level more).
find_source_root() {
    local d
    for d in "$1" "$1"/*/; do
        d="${d%/}"
        if [ -f "$d/odoo/release.py" ]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

# Unpack archive $1 into a directory of the cache (once) and print its root.
unpack_odoo_archive() {
    local archive="$1" dest
    dest="$(cache_dir)/odoo-src/archive-$(stat -c '%n %s %Y' "$archive" | sha256sum | cut -c1-12)"
    if ! find_source_root "$dest" >/dev/null; then
        rm -rf "$dest" "$dest.part"
        mkdir -p "$dest.part"
        log "unpacking $archive"
        case "$archive" in
            *.zip) (cd "$dest.part" && python3 -m zipfile -e "$archive" .) ;;
            *) tar -C "$dest.part" -xf "$archive" ;;
        esac || { rm -rf "$dest.part"; die "cannot unpack $archive"; }
        mv "$dest.part" "$dest"
    fi
    find_source_root "$dest" || die "$archive holds no Odoo source (no odoo/release.py)"
}

# Download URL $1 into the cache (once) and print the file's path.
download() {
    local url="$1" file
    file="$(cache_dir)/odoo-src/download-$(printf '%s' "$url" | sha256sum | cut -c1-12)-${url##*/}"
    if ! [ -s "$file" ]; then
        mkdir -p "$(dirname "$file")"
        log "downloading $url"
        curl -fL --retry 3 -o "$file.part" "$url" || { rm -f "$file.part"; return 1; }
        mv "$file.part" "$file"
    fi
    echo "$file"
}

# Shallow clone of git URL $1 at ref $2 into the cache (once); print its root.
clone_odoo() {
    local url="$1" ref="$2" dest
    dest="$(cache_dir)/odoo-src/git-$(printf '%s@%s' "$url" "$ref" | sha256sum | cut -c1-12)"
    if ! find_source_root "$dest" >/dev/null; then
        rm -rf "$dest" "$dest.part"
        log "cloning $url ($ref, shallow; about 1 GB)"
        git clone -q --depth 1 --branch "$ref" "$url" "$dest.part" || { rm -rf "$dest.part"; return 1; }
        mv "$dest.part" "$dest"
    fi
    find_source_root "$dest"
}

# Print the root of Odoo's source, fetched as ODOO_SRC says.
odoo_source_root() {
    local src="${ODOO_SRC:-}" ref="${ODOO_REF:-18.0}" file
    if [ -z "$src" ]; then
        clone_odoo "$ODOO_GIT_URL" "$ref" && return
        log "git clone failed; trying Odoo's nightly source archive"
        file="$(download "$ODOO_NIGHTLY_URL")" || die "cannot fetch Odoo 18.0 from $ODOO_GIT_URL nor $ODOO_NIGHTLY_URL (set ODOO_SRC to a local copy)"
        unpack_odoo_archive "$file"
    elif [ -d "$src" ]; then
        # A local tree is used in place (its addons stay where they are).
        find_source_root "$(cd "$src" && pwd)" || die "ODOO_SRC=$src holds no Odoo source (no odoo/release.py)"
    elif [ -f "$src" ]; then
        unpack_odoo_archive "$(cd "$(dirname "$src")" && pwd)/$(basename "$src")"
    else
        case "$src" in
            http://*.tar.gz | https://*.tar.gz | http://*.tgz | https://*.tgz \
                | http://*.zip | https://*.zip | http://*.tar.xz | https://*.tar.xz)
                file="$(download "$src")" || die "cannot download ODOO_SRC=$src"
                unpack_odoo_archive "$file"
                ;;
            *://* | *@*:* | *.git)
                clone_odoo "$src" "$ref" || die "cannot clone ODOO_SRC=$src at ODOO_REF=$ref"
                ;;
            *) die "ODOO_SRC=$src is neither a directory, an archive nor a git URL" ;;
        esac
    fi
}

# Install Odoo's own requirements.txt into the venv's python $1, with the
# fixes a current Python needs: Odoo pins cbor2 5.4.2 for Python < 3.12,
# which no longer builds; 5.4.6 (same API) does, without build isolation
# and with setuptools < 70.
install_odoo_requirements() {
    local py="$1" root="$2" reqs
    reqs="$(mktemp /tmp/support_desk_odoo_reqs.XXXXXX)"
    grep -vE '^[[:space:]]*cbor2[[:space:]]*==[[:space:]]*5\.4\.2' "$root/requirements.txt" >"$reqs"
    log "installing Odoo's requirements into $ODOO_VENV (builds psycopg2, python-ldap: a few minutes)"
    { "$py" -m pip install -q 'setuptools<70' wheel \
        && if "$py" -c 'import sys; sys.exit(sys.version_info >= (3, 12))'; then
            "$py" -m pip install -q --no-build-isolation 'cbor2==5.4.6'
        fi \
        && "$py" -m pip install -q -r "$reqs"; } \
        || { rm -f "$reqs"; die "pip install of Odoo's requirements.txt failed (see above)"; }
    rm -f "$reqs"
}

install_odoo() {
    local root py site
    # Odoo 18.0's pins (requirements.txt) exist for Python 3.10 to 3.12 only.
    python3 -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))' \
        || die "Odoo 18.0 needs Python 3.10-3.12 but python3 is $(python3 -V 2>&1): install one of those and put it first in PATH as python3"
    root="$(odoo_source_root)"
    log "Odoo source: $root"
    if ! [ -x "$ODOO_VENV/bin/python" ] || ! "$ODOO_VENV/bin/python" -c '' 2>/dev/null; then
        rm -rf "$ODOO_VENV"
        log "creating Odoo's virtualenv $ODOO_VENV"
        python3 -m venv "$ODOO_VENV" || die "python3 -m venv failed (install python3-venv)"
    fi
    py="$ODOO_VENV/bin/python"
    install_odoo_requirements "$py" "$root"
    # Odoo's source is put on the path as it is (no copy, no setup.py run).
    site="$("$py" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
    printf '%s\n' "$root" >"$site/odoo-src.pth"
    printf '#!/bin/sh\nexec "%s" -m odoo "$@"\n' "$py" >"$ODOO_VENV/bin/odoo"
    chmod 755 "$ODOO_VENV/bin/odoo"
    local version
    if ! version="$(cd / && "$ODOO_VENV/bin/odoo" --version 2>/dev/null)" \
        || [[ "$version" != *" 18.0"* ]] \
        || ! (cd / && "$py" -c 'import odoo.addons.base'); then
        rm -f "$site/odoo-src.pth"
        die "Odoo from $root does not work in $ODOO_VENV (odoo --version: ${version:-nothing})"
    fi
    log "installed $version in $ODOO_VENV"
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

# Odoo is installed only when no interpreter imports it; an explicit
# ODOO_PYTHON elsewhere than our venv must import it already.
NEED_ODOO=0
if resolve_odoo_python; then
    log "Odoo 18.0: $ODOO_PY ($ODOO_ROOT)"
    [ -n "${ODOO_SRC:-}" ] && log "ODOO_SRC ignored: $ODOO_PY already imports Odoo 18.0"
elif [ -n "${ODOO_PYTHON:-}" ] && [ "$ODOO_PYTHON" != "$ODOO_VENV/bin/python" ]; then
    require_odoo
else
    NEED_ODOO=1
fi

install_apt_packages
if [ "$NEED_ODOO" = 1 ]; then
    install_odoo
    resolve_odoo_python || require_odoo
fi
install_python_packages
install_lint_venv

# --- checks ------------------------------------------------------------------------
werkzeug_version="$("$ODOO_PY" -c 'import odoo, werkzeug; print(werkzeug.__version__)')"
case "$werkzeug_version" in
    2.2.*) ;;
    *) die "Werkzeug is $werkzeug_version but Odoo 18.0 needs 2.2.x: something upgraded it" ;;
esac
"$ODOO_PY" -c 'import websocket, phonenumbers, openpyxl' \
    || die "a package of requirements.txt is not importable by $ODOO_PY"
for tool in ruff pylint oca-checks-odoo-module shellcheck; do
    [ -x "$LINT_VENV/bin/$tool" ] || die "$tool missing from $LINT_VENV"
done
log "OK: Odoo $("$ODOO_PY" -c 'import odoo.release as r; print(r.version)') ($ODOO_PY), Werkzeug $werkzeug_version, lint tools in $LINT_VENV"
