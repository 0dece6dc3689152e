#!/usr/bin/env bash
# Lint the support_desk addon: `pre-commit run --all-files` on
# .pre-commit-config.yaml, whose hooks are the steps below, each run by
# `scripts/lint.sh --hook <id>` with the tools that scripts/setup.sh installs
# in their own virtualenv (pinned in requirements-dev.txt; see lint_venv_dir):
#   - ruff-check              ruff check . (.ruff.toml: E,F,W,I,UP,B,C90; OCA isort sections)
#   - ruff-format             ruff format --check .
#   - pylint-odoo             pylint + pylint-odoo (.pylintrc: OCA's mandatory checks, 18.0)
#   - oca-checks-odoo-module  manifest/XML/CSV checks of oca-odoo-pre-commit-hooks
#   - oca-checks-po           i18n/*.po, *.pot; only when there are some
#   - shellcheck              scripts/, bench/ and .ci/run; warnings and errors
# (`scripts/lint.sh --fix` first applies ruff's fixes and formatting and the
# fixes of oca-checks-odoo-module.) Every hook runs; the script exits
# non-zero when any of them finds something.
set -uo pipefail

# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

FIX=0
HOOK=""
USAGE="usage: scripts/lint.sh [--fix | --hook <hook id of .pre-commit-config.yaml>]"
case "$#:${1:-}" in
    0:) ;;
    1:--fix) FIX=1 ;;
    2:--hook) HOOK="$2" ;;
    *) die "$USAGE" ;;
esac

VENV="$(lint_venv_dir)"
for tool in ruff pylint oca-checks-odoo-module oca-checks-po shellcheck pre-commit; do
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
    rm -rf "${STAGE:?}/$MODULE_NAME"
    mkdir "$STAGE/$MODULE_NAME"
    tar -C "$REPO_ROOT" \
        --exclude=./.git --exclude=./.local --exclude='./.venv*' \
        --exclude=./.ruff_cache --exclude=__pycache__ --exclude='*.pyc' \
        -cf - . | tar -C "$STAGE/$MODULE_NAME" -xf -
}
# pylint-odoo asks git about the files (and prints "fatal: not a git
# repository" otherwise): make the stage a repository of its own.
git init -q "$STAGE" >/dev/null 2>&1 || true

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
    stage_addon
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
    stage_addon
    (
        cd "$STAGE" || exit 1
        "$VENV/bin/oca-checks-odoo-module" --disable="$OCA_DISABLE" "$MODULE_NAME" 2>&1 | relpaths
        exit "${PIPESTATUS[0]}"
    )
}

# po-pretty-format is disabled as in OCA's own configuration: the files are
# written by Odoo's exporter, whose layout differs from msgcat's.
run_oca_checks_po() {
    stage_addon
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

if [ -n "$HOOK" ]; then
    case "$HOOK" in
        ruff-check) run_ruff_check ;;
        ruff-format) run_ruff_format ;;
        pylint-odoo) run_pylint ;;
        oca-checks-odoo-module) run_oca_checks ;;
        oca-checks-po) run_oca_checks_po ;;
        shellcheck) run_shellcheck ;;
        *) die "unknown hook '$HOOK'" ;;
    esac
    exit $?
fi

if [ "$FIX" = 1 ]; then
    echo "==> ruff check --fix; ruff format"
    (cd "$REPO_ROOT" && "$VENV/bin/ruff" check --fix --exit-zero . >/dev/null && "$VENV/bin/ruff" format .)
    stage_addon
    echo "==> oca-checks-odoo-module --fix (XML headers, eval attributes, ...)"
    (cd "$STAGE" && "$VENV/bin/oca-checks-odoo-module" --fix --disable="$OCA_DISABLE" "$MODULE_NAME" >/dev/null 2>&1)
    # Bring the fixed files back into the checkout.
    (
        cd "$STAGE/$MODULE_NAME" || exit 1
        find . -type f -print0 | while IFS= read -r -d '' f; do
            if [ -f "$REPO_ROOT/$f" ] && ! cmp -s "$f" "$REPO_ROOT/$f"; then
                cat "$f" >"$REPO_ROOT/$f" && echo "    fixed ${f#./}"
            fi
        done
    )
fi

# Every hook runs on the whole addon (pass_filenames: false), also on files
# that git does not track yet. No color: the output goes to CI logs too.
# pre-commit keeps its (tiny, for local hooks) cache in our cache directory,
# which falls back to /tmp when HOME is not writable (CI).
PRE_COMMIT_HOME="${PRE_COMMIT_HOME:-$(cache_dir)/pre-commit}"
export PRE_COMMIT_HOME
if (cd "$REPO_ROOT" && "$VENV/bin/pre-commit" run --all-files --color=never); then
    echo "lint: all checks passed"
else
    echo "lint: FAILED (see the hooks marked Failed above)"
    exit 1
fi
