#!/usr/bin/env bash
# Take the screenshots of static/description/ (the addon's page in Odoo's
# Apps screen, index.html, and the README) from a running demo, so that they
# show the addon as it is: start `scripts/run.sh` (demo data) first, then
#   bash scripts/screenshots.sh [--url=http://localhost:8069] [--db=support_desk]
# It logs in as the demo users (admin / admin, portal / portal), drives
# headless Chromium through its DevTools protocol and writes, 1440x900:
#   ticket_list.png     the tickets' list (back office)
#   ticket_form.png     a ticket's form with its *Cosa fare* bar (next activities)
#   portal_tickets.png  the tickets in the portal (the portal user's, or all
#                       as the administrator sees them when that user has none)
#   statement.png       the customer statement of tracked time (HTML of the PDF)
# Chromium is Debian's `chromium` (CHROMIUM overrides); Python with
# websocket-client and requests is Odoo's interpreter (requirements.txt).
set -uo pipefail

# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

require_odoo
URL="http://localhost:8069"
DB="${SUPPORT_DESK_DB:-support_desk}"
for arg in "$@"; do
    case "$arg" in
        --url=*) URL="${arg#*=}" ;;
        --db=*) DB="${arg#*=}" ;;
        -h | --help)
            sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
            exit 0
            ;;
        *) die "unknown option '$arg' (see --help)" ;;
    esac
done
CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
[ -n "$CHROMIUM" ] || die "Chromium not found (apt-get install chromium, or set CHROMIUM)"

WORK="$(mktemp -d /tmp/support_desk_shots.XXXXXX)"
CHROME_PID=""
cleanup() {
    if [ -n "$CHROME_PID" ] && kill -0 "$CHROME_PID" 2>/dev/null; then
        kill -TERM "$CHROME_PID" 2>/dev/null
        wait "$CHROME_PID" 2>/dev/null
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
ensure_writable_home "$WORK/home"

PORT="$(free_port)"
# --no-sandbox: Chromium's sandbox refuses to run as root (CI, containers).
"$CHROMIUM" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
    --no-first-run --no-default-browser-check --user-data-dir="$WORK/profile" \
    --window-size=1440,900 --remote-debugging-port="$PORT" about:blank \
    >"$WORK/chromium.log" 2>&1 &
CHROME_PID=$!

"$ODOO_PY" - "$URL" "$DB" "$PORT" "$REPO_ROOT/static/description" <<'PY' \
    || die "screenshots failed (is scripts/run.sh serving $DB at $URL?)"
import base64
import datetime
import json
import sys
import time

import requests
import websocket

url, db, port, out_dir = sys.argv[1:]


def session(login, password):
    """A logged-in session of a demo user (its cookie goes to Chromium)."""
    http = requests.Session()
    res = http.post(
        f"{url}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": db, "login": login, "password": password}},
        timeout=60,
    )
    res.raise_for_status()
    if res.json().get("error") or not res.json()["result"].get("uid"):
        sys.exit(f"cannot log in as {login} on {db} at {url}")
    return http


def call(http, model, method, *args, **kwargs):
    res = http.post(
        f"{url}/web/dataset/call_kw",
        json={
            "jsonrpc": "2.0",
            "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        },
        timeout=60,
    ).json()
    if res.get("error"):
        sys.exit(f"{model}.{method}: {res['error']['data']['message']}")
    return res["result"]


admin = session("admin", "admin")
portal = session("portal", "portal")
# A ticket that has next activities, so that its bar lists them (else the
# bar offers to plan one).
tickets = call(
    admin, "support.ticket", "search_read", [("activity_ids", "!=", False)], ["id"], limit=1
) or call(admin, "support.ticket", "search_read", [], ["id"], limit=1)
if not tickets:
    sys.exit("no ticket in the database: is it the demo?")
today = datetime.date.today()
statement = call(
    admin,
    "support.statement.wizard",
    "create",
    {
        "date_from": str(today.replace(year=today.year - 1)),
        "date_to": str(today),
        "billable_only": False,
    },
)

# Chromium's first page, through the DevTools protocol.
for _ in range(100):
    try:
        targets = requests.get(f"http://127.0.0.1:{port}/json", timeout=5).json()
        page = next(t for t in targets if t["type"] == "page")
        break
    except (requests.RequestException, StopIteration, ValueError):
        time.sleep(0.2)
else:
    sys.exit("Chromium did not start")
ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
ids = iter(range(1, 1_000_000))


def cdp(method, **params):
    msg_id = next(ids)
    ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
    while True:
        msg = json.loads(ws.recv())
        if msg.get("id") == msg_id:
            if "error" in msg:
                sys.exit(f"{method}: {msg['error']}")
            return msg.get("result", {})


cdp("Network.enable")
cdp("Emulation.setDeviceMetricsOverride", width=1440, height=900, deviceScaleFactor=1, mobile=False)


def shot(name, http, path, ready):
    """Open path as the user of http, wait for the CSS selector ready, save."""
    cdp("Network.clearBrowserCookies")
    cdp("Network.setCookie", name="session_id", value=http.cookies["session_id"], url=url)
    cdp("Page.navigate", url=url + path)
    expr = f"document.readyState === 'complete' && !!document.querySelector({json.dumps(ready)})"
    for _ in range(150):
        if cdp("Runtime.evaluate", expression=expr, returnByValue=True)["result"].get("value"):
            break
        time.sleep(0.2)
    else:
        sys.exit(f"{name}: {path} never showed {ready}")
    time.sleep(1.5)  # animations, images, fonts
    # Passing notices (e.g. "the page is out of date" after an upgrade) are no
    # part of the addon's page.
    cdp(
        "Runtime.evaluate",
        expression="document.querySelectorAll('.o_notification_manager').forEach(n => n.remove())",
    )
    data = cdp("Page.captureScreenshot", format="png")["data"]
    with open(f"{out_dir}/{name}", "wb") as out:
        out.write(base64.b64decode(data))
    print(f"  {name}: {path}")


action = "/odoo/action-support_desk.support_ticket_action"
shot("ticket_list.png", admin, action, ".o_list_renderer .o_data_row")
shot("ticket_form.png", admin, f"{action}/{tickets[0]['id']}", ".o_form_view .o_field_widget")
# The demo's portal user has no ticket of its own: then the portal pages are
# shown as the administrator gets them (same templates, every ticket).
portal_tickets = call(portal, "support.ticket", "search_count", [])
shot("portal_tickets.png", portal if portal_tickets else admin, "/my/tickets", ".o_portal_wrap")
shot(
    "statement.png",
    admin,
    f"/report/html/support_desk.report_support_statement/{statement}",
    ".page",
)
ws.close()
PY
log "screenshots written to static/description/"
