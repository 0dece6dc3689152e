#!/usr/bin/env bash
# Lint the support_desk addon with the tools that scripts/setup.sh installs in
# their own virtualenv (pinned in requirements-dev.txt; see lint_venv_dir):
#   1. ruff check .            (.ruff.toml: E,F,W,I,UP,B,C90; OCA isort sections)
#   2. ruff format --check .
#   (`scripts/lint.sh --fix` first applies ruff's fixes and formatting)
#   3. pylint + pylint-odoo    (.pylintrc: OCA's mandatory checks, Odoo 18.0)
#   4. oca-checks-odoo-module  (manifest/XML/CSV checks of oca-odoo-pre-commit-hooks)
#   5. oca-checks-po           (i18n/*.po, *.pot; only when there are some)
#   6. shellcheck              (scripts/, bench/ and .ci/run; warnings and errors)
# Every step runs; the script exits non-zero when any of them finds something.
set -uo pipefail

# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

FIX=0
if [ "${1:-}" = --fix ]; then
    FIX=1
    shift
fi
[ "$#" -eq 0 ] || die "usage: scripts/lint.sh [--fix]"

VENV="$(lint_venv_dir)"
for tool in ruff pylint oca-checks-odoo-module oca-checks-po shellcheck; do
    [ -x "$VENV/bin/$tool" ] || die "$VENV/bin/$tool is missing: run scripts/setup.sh first"
done

# oca-checks-odoo-module looks for __manifest__.py from the given path up to,
# but EXCLUDING, the git top-level directory, and resolves symlinks first: run
# on this repository (whose root IS the addon) it finds no module, checks
# nothing and exits 0. So the pylint and oca checks run on a copy of the addon
# in a temporary directory named like the module, one level below the git
# root of the stage; the name also matters to the checks that compare module
# names (odoo-addons-relative-import, xml-redundant-module-name; pylint would
# otherwise call the module after the checkout's directory). Paths in their
# output are shown relative to the checkout.
STAGE="$(mktemp -d /tmp/support_desk_lint.XXXXXX)"
trap 'rm -rf "$STAGE"' EXIT
stage_addon() {
    mkdir "$STAGE/$MODULE_NAME"
    tar -C "$REPO_ROOT" \
        --exclude=./.git --exclude=./.local --exclude='./.venv*' \
        --exclude=./.ruff_cache --exclude=__pycache__ --exclude='*.pyc' \
        -cf - . | tar -C "$STAGE/$MODULE_NAME" -xf -
}
stage_addon
# pylint-odoo asks git about the files (and prints "fatal: not a git
# repository" otherwise): make the stage a repository of its own.
git init -q "$STAGE" >/dev/null 2>&1 || true

FAILED=()
step() {
    local name="$1"
    shift
    echo "==> $name"
    if "$@"; then
        echo "    ok: $name"
    else
        echo "    FAILED: $name"
        FAILED+=("$name")
    fi
}

# Rewrite "<stage>/support_desk/x" and "support_desk/x" to "x".
relpaths() {
    sed -e "s#/\?${STAGE#/}/$MODULE_NAME/##g" -e "s#^$MODULE_NAME/##"
}

run_ruff_check() {
    (cd "$REPO_ROOT" && "$VENV/bin/ruff" check --no-fix .)
}

run_ruff_format() {
    (cd "$REPO_ROOT" && "$VENV/bin/ruff" format --check --diff .)
}

run_pylint() {
    (
        cd "$STAGE" || exit 1
        "$VENV/bin/pylint" --rcfile="$REPO_ROOT/.pylintrc" "$MODULE_NAME" 2>&1 | relpaths
        exit "${PIPESTATUS[0]}"
    )
}

# Disabled oca-checks-odoo-module checks, with the reason:
#   weblate-component-too-long: about OCA's Weblate component names
#     (<repo>-<version>-<module>); this addon is not translated on OCA's Weblate.
OCA_DISABLE="weblate-component-too-long"

run_oca_checks() {
    (
        cd "$STAGE" || exit 1
        "$VENV/bin/oca-checks-odoo-module" --disable="$OCA_DISABLE" "$MODULE_NAME" 2>&1 | relpaths
        exit "${PIPESTATUS[0]}"
    )
}

# po-pretty-format is disabled as in OCA's own configuration: the files are
# written by Odoo's exporter, whose layout differs from msgcat's.
run_oca_checks_po() {
    (
        cd "$STAGE" || exit 1
        shopt -s nullglob
        local files=("$MODULE_NAME"/i18n/*.po "$MODULE_NAME"/i18n/*.pot)
        if [ "${#files[@]}" -eq 0 ]; then
            echo "    (no i18n/*.po or *.pot files)"
            exit 0
        fi
        "$VENV/bin/oca-checks-po" --disable=po-pretty-format "${files[@]}" 2>&1 | relpaths
        exit "${PIPESTATUS[0]}"
    )
}

# -x follows the `source`d helpers (paths given from the checkout's root).
run_shellcheck() {
    (
        cd "$REPO_ROOT" || exit 1
        "$VENV/bin/shellcheck" -x --severity=warning scripts/*.sh bench/*.sh .ci/run
    )
}

if [ "$FIX" = 1 ]; then
    echo "==> ruff check --fix; ruff format"
    (cd "$REPO_ROOT" && "$VENV/bin/ruff" check --fix --exit-zero . >/dev/null && "$VENV/bin/ruff" format .)
    rm -rf "${STAGE:?}/$MODULE_NAME"
    stage_addon
    echo "==> oca-checks-odoo-module --fix (XML headers, eval attributes, ...)"
    (cd "$STAGE" && "$VENV/bin/oca-checks-odoo-module" --fix --disable="$OCA_DISABLE" "$MODULE_NAME" >/dev/null 2>&1)
    # Bring the fixed files back into the checkout, then restage.
    (
        cd "$STAGE/$MODULE_NAME" || exit 1
        find . -type f -print0 | while IFS= read -r -d '' f; do
            if [ -f "$REPO_ROOT/$f" ] && ! cmp -s "$f" "$REPO_ROOT/$f"; then
                cat "$f" >"$REPO_ROOT/$f" && echo "    fixed ${f#./}"
            fi
        done
    )
    rm -rf "${STAGE:?}/$MODULE_NAME"
    stage_addon
fi

step "ruff check" run_ruff_check
step "ruff format --check" run_ruff_format
step "pylint (pylint-odoo mandatory checks)" run_pylint
step "oca-checks-odoo-module" run_oca_checks
step "oca-checks-po" run_oca_checks_po
step "shellcheck" run_shellcheck

if [ "${#FAILED[@]}" -gt 0 ]; then
    echo "lint: FAILED: $(printf '%s; ' "${FAILED[@]}")"
    exit 1
fi
echo "lint: all checks passed"
