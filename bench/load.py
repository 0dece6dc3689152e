"""Multi-worker load test of Support Desk: run through bench/load.sh.

One Odoo with ``--workers`` HTTP workers and ``--cron-workers`` cron workers on
a PostgreSQL primary and its streaming replica (``--db_replica_host``), and,
all at once for ``--minutes``:

- ``--agents`` agents (JSON-RPC as the web client sends it): the ticket list,
  the search panel, a ticket opened (form read + unread mark cleared), a reply
  in the chatter (/mail/message/post), take in charge;
- ``--customers`` portal customers: their list, a ticket page, a reply;
- mails arriving at ``--mail-rate`` per second in a Dovecot mailbox, fetched by
  Odoo's incoming mail server (IMAP) in its cron, woken every few seconds;
- PBX events at ``--pbx-rate`` per second on the webhook (newCall, hangup);
- the creation queue, the mail queue and the SLA escalation in the cron workers
  (a 24/7 calendar and targets of minutes: tickets opened during the run
  escalate during the run).

Then the queues are drained and checked: every mail is a ticket (or a reply)
or a logged drop, every mail the desk queued reached the SMTP server (a local
aiosmtpd) once, no escalation level was sent twice. Printed: throughput and
p50/p95/p99 per action, errors (expected 0), serialization failures retried by
Odoo, lock waits and deadlocks logged by PostgreSQL, the share of transactions
the replica served.
"""

import argparse
import collections
import email
import logging
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from email.utils import parseaddr

import psycopg2
import requests

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import CUSTOMERS, PASSWORD, Ours, free_port, percentile  # noqa: E402

IMAP_USER, IMAP_PASSWORD = "support", "secret"  # noqa: S105 - throwaway
SLA_MINUTES = 2  # resolution target of every ticket, on a 24/7 calendar


def parse():
    """Odoo's options, then "--" and the load test's own."""
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    parser.add_argument("--mail-rate", type=float, default=5)
    parser.add_argument("--pbx-rate", type=float, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--cron-workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2000, help="tickets before the run")
    parser.add_argument("--replica-port", type=int, required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--pg-log", required=True)
    return argv[:split], parser.parse_args(argv[split + 1 :])


def step(text):
    print(f"[load] {datetime.now():%H:%M:%S} {text}", flush=True)


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def setup(db, args, imap_port, smtp_port):
    """compare.py's data (customers, teams, alias, contracts with an SLA), the
    run's users, a 24/7 SLA of minutes, the mail servers, the crons every
    minute, and ``--seed`` tickets; returns what the clients need."""
    side = Ours(db)
    side.setup()
    with side.registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        agents, portal_users = setup_users(env, side.ids, args)
        setup_sla(env, side.ids)
        server = setup_servers(env, imap_port, smtp_port)
        data = {
            "agents": agents.mapped("login"),
            "portal": portal_users.mapped("login"),
            "phones": [f"+39 02 5550 {n:04d}" for n in range(CUSTOMERS)],
            "extensions": agents.mapped("support_pbx_extension"),
            "alias": side.alias_address(),
            "server": server.id,
        }
    # PostgreSQL logs lock waits longer than 200 ms, and who waited.
    for statement in (
        "ALTER SYSTEM SET log_lock_waits = on",
        "ALTER SYSTEM SET deadlock_timeout = '200ms'",
        "ALTER SYSTEM SET log_line_prefix = '%m [%p] %q%a '",
        "SELECT pg_reload_conf()",
    ):
        _autocommit(lambda cr, statement=statement: cr.execute(statement))
    step(f"loading {args.seed} tickets (COPY, 30 % open)")
    side.vacuum = lambda *tables: None  # compare.py waits for an all-visible map
    side.bulk_load(args.seed)
    # COPY leaves out the portal token a ticket gets when created (older
    # tickets get theirs from a migration).
    query(
        db,
        "UPDATE support_ticket SET access_token = gen_random_uuid()::text"
        " WHERE access_token IS NULL",
    )
    return data


def setup_users(env, ids, args):
    """Agents in every team (round robin), a portal user per customer."""
    agents = env["res.users"].create(
        [
            {
                "name": f"Load Agent {n}",
                "login": f"load_agent_{n}",
                "email": f"load_agent_{n}@ours.bench.example",
                "groups_id": [(4, env.ref("support_desk.group_support_agent").id)],
                "support_pbx_extension": str(200 + n),
            }
            for n in range(args.agents)
        ]
    )
    env["support.team"].browse(ids["teams"]).write(
        {"member_ids": [(4, a.id) for a in agents], "assign_method": "round_robin"}
    )
    contacts = env["res.partner"].browse(ids["contacts"])
    for n, contact in enumerate(contacts):
        contact.phone = f"+39 02 5550 {n:04d}"
    portal_users = env["res.users"].browse(ids["portal"])
    portal_users |= env["res.users"].create(
        [
            {
                "name": contact.name,
                "login": f"load_portal_{n}",
                "partner_id": contact.id,
                "groups_id": [(6, 0, [env.ref("base.group_portal").id])],
            }
            for n, contact in enumerate(contacts[1 : args.customers], start=1)
        ]
    )
    # One password hash for all (hashing each costs a second of setup).
    env.cr.execute(
        "UPDATE res_users SET password = %s WHERE id = ANY(%s)",
        [
            env["res.users"]._crypt_context().hash(PASSWORD),
            (agents | portal_users).ids,
        ],
    )
    return agents, portal_users


def setup_sla(env, ids):
    """Targets of minutes on a 24/7 calendar: tickets of the run escalate in it,
    at half the resolution time and at its breach."""
    attendances = [
        {
            "name": str(day),
            "dayofweek": str(day),
            "hour_from": 0,
            "hour_to": 24,
            "day_period": "morning",
        }
        for day in range(7)
    ]
    calendar = env["resource.calendar"].create(
        {
            "name": "Load 24/7",
            "tz": "UTC",
            "attendance_ids": [(5, 0, 0)] + [(0, 0, vals) for vals in attendances],
        }
    )
    policy = env["support.sla.policy"].browse(ids["policy"])
    policy.calendar_id = calendar
    policy.line_ids.write(
        {
            "first_response_hours": SLA_MINUTES / 120,
            "resolution_hours": SLA_MINUTES / 60,
        }
    )
    policy.escalation_ids.target = "resolution"
    env["support.sla.escalation"].create(
        {
            "policy_id": policy.id,
            "name": "Half",
            "trigger": "percent",
            "value": 50,
            "sequence": 5,
            "target": "resolution",
        }
    )


def setup_servers(env, imap_port, smtp_port):
    """The PBX token, the SMTP sink, the IMAP mailbox, the crons every minute
    (the run also wakes the fetch and the mail queue every 5 seconds)."""
    env.company.write(
        {
            "support_pbx_token": "load-token",
            "support_notify_on_open": True,
            "email": "desk@ours.bench.example",
        }
    )
    env["ir.mail_server"].search([]).active = False
    env["ir.mail_server"].create(
        {
            "name": "Load sink",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_encryption": "none",
        }
    )
    server = env["fetchmail.server"].create(
        {
            "name": "Load IMAP",
            "server_type": "imap",
            "server": "127.0.0.1",
            "port": imap_port,
            "is_ssl": False,
            "user": IMAP_USER,
            "password": IMAP_PASSWORD,
        }
    )
    server.button_confirm_login()
    crons = env["ir.cron"]
    for xmlid in (
        "support_desk.ir_cron_sla_escalation",
        "support_desk.ir_cron_creation_queue",
        "mail.ir_cron_mail_scheduler_action",
        "mail.ir_cron_mail_gateway_action",
    ):
        crons |= env.ref(xmlid)
    crons.write(
        {
            "interval_number": 1,
            "interval_type": "minutes",
            "active": True,
            "nextcall": datetime.now(),
        }
    )
    return server


def _autocommit(function):
    cnx = psycopg2.connect(
        host=config["db_host"],
        port=config["db_port"],
        user=config["db_user"],
        dbname="postgres",
    )
    cnx.autocommit = True
    try:
        with cnx.cursor() as cr:
            return function(cr)
    finally:
        cnx.close()


def query(db, sql, params=None, port=None):
    """Rows of ``sql`` (none for a statement without), in its own transaction."""
    cnx = psycopg2.connect(
        host=config["db_host"],
        port=port or config["db_port"],
        user=config["db_user"],
        dbname=db,
    )
    cnx.autocommit = True
    try:
        with cnx.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall() if cr.description else []
    finally:
        cnx.close()


def trigger(db, *xmlids):
    """Wake crons as Odoo does (ir.cron._trigger), in a transaction of ours."""
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        for xmlid in xmlids:
            env.ref(xmlid)._trigger()


# ---------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = collections.defaultdict(list)
        self.errors = collections.Counter()
        self.samples = {}
        self.refused = collections.Counter()

    def timed(self, action, function):
        started = time.perf_counter()
        try:
            outcome = function()
        except Exception as error:  # noqa: BLE001 - counted and shown
            with self.lock:
                self.errors[action] += 1
                self.samples.setdefault(action, repr(error)[:300])
            return None
        with self.lock:
            if outcome == "refused":
                self.refused[action] += 1
            self.latencies[action].append((time.perf_counter() - started) * 1000)
        return outcome


class Client:
    def __init__(self, url, db, login):
        self.url, self.db = url, db
        self.session = requests.Session()
        # One request per connection, as a proxy in front of Odoo sends them
        # (nginx speaks HTTP/1.0 to its upstreams): a kept-alive connection
        # holds a prefork worker until its 2 seconds timeout.
        self.session.headers["Connection"] = "close"
        answer = self.session.post(
            url + "/web/session/authenticate",
            json={"params": {"db": db, "login": login, "password": PASSWORD}},
            timeout=120,
        ).json()
        if "error" in answer:
            raise RuntimeError(f"login {login}: {answer['error']}")

    def rpc(self, route, params):
        response = self.session.post(
            self.url + route, json={"params": params}, timeout=300
        )
        response.raise_for_status()
        answer = response.json()
        if "error" in answer:
            data = answer["error"].get("data", {})
            if data.get("name") == "odoo.exceptions.UserError":
                raise BusinessRefusal(data.get("message"))
            raise RuntimeError(data.get("message") or answer["error"])
        return answer["result"]

    def call(self, model, method, *args, **kwargs):
        return self.rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


class BusinessRefusal(Exception):
    """A UserError the desk answers on purpose (e.g. already in charge)."""


NAME = {"fields": {"display_name": {}}}
LIST_SPEC = {
    "number": {},
    "name": {},
    "partner_id": NAME,
    "team_id": NAME,
    "stage_id": NAME,
    "user_id": NAME,
    "priority_id": NAME,
    "in_charge_user_id": NAME,
    "sla_deadline": {},
    "state": {},
}
FORM_SPEC = dict(LIST_SPEC, description={}, message_follower_ids={}, activity_ids={})
OPEN = [("state", "in", ["new", "in_progress", "on_hold"])]


def agent_loop(client, stats, stop, rng):
    tickets = []

    def listing():
        result = client.call(
            "support.ticket",
            "web_search_read",
            OPEN,
            LIST_SPEC,
            limit=80,
            count_limit=10001,
        )
        tickets[:] = result["records"]

    def panel():
        for field in ("priority_id", "state"):
            client.call(
                "support.ticket",
                "search_panel_select_range",
                field,
                search_domain=OPEN,
                enable_counters=True,
            )
        for field in ("type_id", "team_id"):
            client.call(
                "support.ticket", "search_panel_select_range", field, expand=True
            )

    def open_ticket(ticket):
        client.call("support.ticket", "web_read", [ticket["id"]], FORM_SPEC)
        client.call("support.ticket", "action_support_mark_read", [ticket["id"]])

    def reply(ticket):
        client.rpc(
            "/mail/message/post",
            {
                "thread_model": "support.ticket",
                "thread_id": ticket["id"],
                "post_data": {
                    "body": "Working on it.",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
            },
        )

    def take(ticket):
        try:
            client.call("support.ticket", "action_take_in_charge", [ticket["id"]])
        except BusinessRefusal:
            return "refused"  # taken by another agent meanwhile: the desk's answer
        return None

    stats.timed("agent list", listing)
    while not stop.is_set():
        roll = rng.random()
        ticket = rng.choice(tickets) if tickets else None
        if roll < 0.3 or not ticket:
            stats.timed("agent list", listing)
        elif roll < 0.5:
            stats.timed("agent search panel", panel)
        elif roll < 0.75:
            stats.timed("agent open", lambda t=ticket: open_ticket(t))
        elif roll < 0.9:
            stats.timed("agent reply", lambda t=ticket: reply(t))
        else:
            free = [t for t in tickets if not t["in_charge_user_id"]] or tickets
            chosen = rng.choice(free)
            stats.timed("agent take in charge", lambda t=chosen: take(t))
        stop.wait(rng.uniform(0.5, 2.0))


def portal_loop(client, stats, stop, rng):
    ids = []
    url = client.url

    def listing():
        response = client.session.get(url + "/my/tickets", timeout=300)
        response.raise_for_status()
        ids[:] = sorted(set(re.findall(r'href="/my/tickets/(\d+)"', response.text)))

    def page(ticket_id):
        response = client.session.get(f"{url}/my/tickets/{ticket_id}", timeout=300)
        response.raise_for_status()
        return response.text

    def reply(ticket_id):
        text = page(ticket_id)
        token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
        response = client.session.post(
            f"{url}/my/tickets/{ticket_id}/reply",
            data={"csrf_token": token, "message": "Any news?"},
            allow_redirects=False,
            timeout=300,
        )
        if response.status_code != 303:
            raise RuntimeError(f"reply answered {response.status_code}")

    stats.timed("portal list", listing)
    while not stop.is_set():
        roll = rng.random()
        if roll < 0.4 or not ids:
            stats.timed("portal list", listing)
        elif roll < 0.85:
            chosen = rng.choice(ids)
            stats.timed("portal page", lambda i=chosen: page(i))
        else:
            chosen = rng.choice(ids)
            stats.timed("portal reply (page + post)", lambda i=chosen: reply(i))
        stop.wait(rng.uniform(1.0, 3.0))


def paced(rate, stop, function):
    """Start function(n) `rate` times per second until stop, without drift and
    without waiting for the previous call (a phone system or a mail server
    does not wait for Odoo's answer)."""
    interval, n, started = 1.0 / rate, 0, time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        while not stop.is_set():
            pool.submit(function, n)
            n += 1
            delay = started + n * interval - time.monotonic()
            if delay > 0:
                stop.wait(delay)


def make_mail(n, data):
    contact = n % CUSTOMERS
    kind = "auto" if n % 25 == 24 else "new"
    headers = "Auto-Submitted: auto-replied\r\n" if kind == "auto" else ""
    return (
        f"From: Contact {contact} <contact{contact}@customer{contact}.example>\r\n"
        f"To: {data['alias']}\r\n"
        f"Subject: Load mail {n}: the line is down\r\n"
        f"Message-ID: <load-{n}@customer{contact}.example>\r\n"
        f"{headers}"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Hello,\r\nthe line of site {n % 13} is down.\r\n"
    ).encode()


# ---------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------


LAUNCHER = """import signal
import sys

if sys.argv[1:2] == ["gevent"]:
    signal.pause()
else:
    from odoo.cli.command import main

    main()
"""


def start_server(odoo_args, args, log_path):
    port = free_port()
    # Odoo's prefork server starts its websocket server by running
    # sys.argv[0] with "gevent" (a bare odoo/__main__.py under "-m odoo"); the
    # clients of this test use no websocket, and a gevent that cannot start
    # would be started again every second: that process only waits here.
    launcher = os.path.join(args.work, "odoo-launcher.py")
    with open(launcher, "w") as file:
        file.write(LAUNCHER)
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            launcher,
            *odoo_args,
            "-d",
            args.db,
            f"--db-filter=^{args.db}$",
            f"--http-port={port}",
            f"--workers={args.workers}",
            f"--max-cron-threads={args.cron_workers}",
            "--db_replica_host=127.0.0.1",
            f"--db_replica_port={args.replica_port}",
            "--limit-time-real=900",
            "--limit-time-cpu=900",
            "--limit-memory-soft=2147483648",
            "--limit-memory-hard=2684354560",
            "--log-level=info",
            "--log-handler=werkzeug:WARNING",
            f"--logfile={log_path}",
        ],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _i in range(600):
        if server.poll() is not None:
            raise SystemExit(f"the server stopped, see {log_path}")
        try:
            if requests.get(url + "/web/login", timeout=5).ok:
                return server, url
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not start")


def replica_transactions(db, port):
    sql = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s"
    return query(db, sql, [db], port=port)[0][0]


def run(odoo_args, args):
    config.parse_config([*odoo_args, "-d", args.db, "--log-level=warn"])
    odoo.netsvc.init_logger()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd
    odoo.modules.module.initialize_sys_path()
    from aiosmtpd.controller import Controller

    # The tests' Dovecot helper; the test framework it imports complains
    # (an ERROR) when imported outside a test run.
    logging.getLogger("odoo.tests.common").setLevel(logging.CRITICAL)
    from odoo.addons.support_desk.tests.common import dovecot_imap

    received = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            message = email.message_from_bytes(envelope.content)
            subject = " ".join(str(message["Subject"] or "").split())
            rcpt = tuple(sorted(address.lower() for address in envelope.rcpt_tos))
            received.append((message["Message-Id"], subject, rcpt))
            return "250 OK"

    smtp = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    with dovecot_imap(IMAP_USER, IMAP_PASSWORD) as (imap_port, append):
        step("setting up the data")
        data = setup(args.db, args, imap_port, smtp.port)
        log_path = os.path.join(args.work, "odoo-load.log")
        step(
            f"starting Odoo: {args.workers} HTTP workers, {args.cron_workers} cron "
            f"workers, replica on port {args.replica_port}"
        )
        server, url = start_server(odoo_args, args, log_path)
        try:
            report = load(args, data, url, append)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
    smtp.stop()
    report["received"] = received
    check(args, data, report, log_path)


def load(args, data, url, append):
    stats = Stats()
    stop = threading.Event()
    step(f"logging in {args.agents} agents and {len(data['portal'])} customers")
    with ThreadPoolExecutor(8) as pool:  # a login hashes the password: slow
        agents = list(
            pool.map(lambda login: Client(url, args.db, login), data["agents"])
        )
        customers = list(
            pool.map(lambda login: Client(url, args.db, login), data["portal"])
        )
    sent_mails = []

    def send_mail(n):
        raw = make_mail(n, data)
        stats.timed("mail appended (IMAP)", lambda: append(raw))
        sent_mails.append(f"<load-{n}@customer{n % CUSTOMERS}.example>")

    def pbx_call(n):
        """A call: newCall, then its hangup (two events)."""
        call_id = f"load-call-{n}"
        for payload in (
            {
                "event": "newCall",
                "call_id": call_id,
                "from": data["phones"][n % CUSTOMERS],
                "extensions": [data["extensions"][n % len(data["extensions"])]],
            },
            {"event": "hangup", "call_id": call_id},
        ):
            stats.timed("pbx event", lambda payload=payload: post_event(payload))

    def post_event(payload):
        response = requests.post(
            url + "/support_desk/pbx/event",
            json=payload,
            headers={"X-PBX-Token": "load-token"},
            timeout=300,
        )
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code} {response.text[:200]}")

    def wake(n):
        trigger(
            args.db,
            "mail.ir_cron_mail_gateway_action",
            "mail.ir_cron_mail_scheduler_action",
        )

    replica_before = replica_transactions(args.db, args.replica_port)
    primary_before = replica_transactions(args.db, config["db_port"])
    threads = (
        [
            threading.Thread(target=agent_loop, args=(c, stats, stop, random.Random(n)))
            for n, c in enumerate(agents)
        ]
        + [
            threading.Thread(
                target=portal_loop, args=(c, stats, stop, random.Random(100 + n))
            )
            for n, c in enumerate(customers)
        ]
        + [
            threading.Thread(target=paced, args=(args.mail_rate, stop, send_mail)),
            # two events per call: pbx_rate events per second
            threading.Thread(target=paced, args=(args.pbx_rate / 2, stop, pbx_call)),
            threading.Thread(target=paced, args=(0.2, stop, wake)),
        ]
    )
    step(f"load for {args.minutes} minutes")
    started = time.monotonic()
    for thread in threads:
        thread.start()
    stop.wait(args.minutes * 60)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    replica_tx = replica_transactions(args.db, args.replica_port) - replica_before
    primary_tx = replica_transactions(args.db, config["db_port"]) - primary_before
    step("draining: mailbox, creation queue, mail queue")
    drain(args, sent_mails)
    return {
        "stats": stats,
        "elapsed": elapsed,
        "sent_mails": sent_mails,
        "replica_tx": replica_tx,
        "primary_tx": primary_tx,
    }


MAILS_SEEN = """
    SELECT message_id FROM mail_message WHERE message_id = ANY(%(sent)s)
     UNION ALL
    SELECT message_id FROM support_mail_drop WHERE message_id = ANY(%(sent)s)
"""
QUEUED_TICKETS = """
    SELECT count(*) FROM support_ticket
     WHERE creation_log_pending OR creation_mail_pending
"""
MAILED_TICKETS = """
    SELECT t.number, t.name, t.email_from FROM support_ticket t
      JOIN mail_message m ON m.model = 'support.ticket' AND m.res_id = t.id
     WHERE m.message_id = ANY(%(sent)s)
"""
ESCALATIONS = """
    SELECT count(*), count(DISTINCT (res_id, subject)) FROM mail_message
     WHERE model = 'support.ticket' AND subject LIKE 'Escalation %%'
"""
LEVELS_DONE = "SELECT count(*) FROM support_sla_escalation_support_ticket_sla_rel"
OUTGOING = "SELECT count(*) FROM mail_mail WHERE state = %(state)s"


def accounted_mails(db, sent):
    """How many times each sent Message-ID is on a ticket or in the drops."""
    rows = query(db, MAILS_SEEN, {"sent": sent})
    return collections.Counter(row[0] for row in rows)


def wait_until(done, wake, deadline):
    while time.monotonic() < deadline and not done():
        wake()
        time.sleep(3)


def drain(args, sent, timeout=900):
    """Let the crons finish: mailbox fetched, creation queue and mail queue
    empty (woken as their triggers would)."""
    db, deadline = args.db, time.monotonic() + timeout
    wait_until(
        lambda: len(accounted_mails(db, sent)) >= len(sent),
        lambda: trigger(db, "mail.ir_cron_mail_gateway_action"),
        deadline,
    )
    wait_until(
        lambda: not query(db, QUEUED_TICKETS)[0][0],
        lambda: trigger(db, "support_desk.ir_cron_creation_queue"),
        deadline,
    )
    wait_until(
        lambda: not query(db, OUTGOING, {"state": "outgoing"})[0][0],
        lambda: trigger(db, "mail.ir_cron_mail_scheduler_action"),
        deadline,
    )


def print_actions(stats, elapsed):
    print(
        f"{'action':30} {'count':>6} {'per s':>6} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6}"
    )
    for action in sorted(set(stats.latencies) | set(stats.errors)):
        values = stats.latencies.get(action, [])
        p50, p95, p99 = (
            (percentile(values, share) for share in (0.5, 0.95, 0.99))
            if values
            else (float("nan"),) * 3
        )
        print(
            f"{action:30} {len(values):6d} {len(values) / elapsed:6.2f} {p50:7.0f} "
            f"{p95:7.0f} {p99:7.0f} {stats.errors[action]:6d}"
        )
    for action, sample in stats.samples.items():
        print(f"  error in {action}: {sample}")
    for action, count in stats.refused.items():
        print(f"  {action}: {count} refused by the desk (already in charge)")


def print_mails(db, sent, received):
    accounted = accounted_mails(db, sent)
    tickets = len(query(db, MAILED_TICKETS, {"sent": sent}))
    lost = sum(1 for message_id in sent if message_id not in accounted)
    twice = sum(1 for count in accounted.values() if count > 1)
    print(
        f"mails in: {len(sent)} sent, {tickets} tickets, "
        f"{len(accounted) - tickets} logged drops, {lost} lost, {twice} twice"
    )
    # A mail to several partners goes out once per partner, with the same
    # Message-ID: sent twice is the same Message-ID to the same recipients.
    sent_out = collections.Counter((m_id, rcpt) for m_id, _s, rcpt in received)
    print(
        f"mails out: {len(received)} received by SMTP, "
        f"{sum(c > 1 for c in sent_out.values())} sent twice; "
        f"{query(db, OUTGOING, {'state': 'outgoing'})[0][0]} still queued, "
        f"{query(db, OUTGOING, {'state': 'exception'})[0][0]} failed"
    )
    by_subject = collections.Counter(
        (subject, address) for _m, subject, rcpt in received for address in rcpt
    )
    acks = collections.Counter(
        by_subject.get((f"[{number}] {name}", parseaddr(email_from)[1].lower()), 0)
        for number, name, email_from in query(db, MAILED_TICKETS, {"sent": sent})
    )
    print(
        "acknowledgements received per mailed ticket: "
        + ", ".join(f"{count} for {n} tickets" for count, n in sorted(acks.items()))
    )
    logged, distinct = query(db, ESCALATIONS, {})[0]
    levels = query(db, LEVELS_DONE)[0][0]
    print(
        f"escalations: {logged} logged, {logged - distinct} twice "
        f"({levels} levels done)"
    )


def print_contention(args, log_path, report):
    with open(log_path, encoding="utf-8", errors="replace") as file:
        odoo_log = file.read()
    with open(args.pg_log, encoding="utf-8", errors="replace") as file:
        pg_log = file.read()
    print(
        f"serialization failures retried: {odoo_log.count('SERIALIZATION_FAILURE')}; "
        f"lock waits over 200 ms: {pg_log.count('still waiting for')}; "
        f"deadlocks: {pg_log.count('deadlock detected')}; "
        f"requests failed: {odoo_log.count('Exception during request handling')}; "
        f"read-only requests retried on the primary: "
        f"{odoo_log.count('retrying with a read/write cursor')}"
    )
    replica, primary = report["replica_tx"], report["primary_tx"]
    share = 100 * replica / max(replica + primary, 1)
    print(
        f"transactions: {replica} on the replica, {primary} on the primary "
        f"({share:.0f} % on the replica)"
    )


def check(args, data, report, log_path):
    print()
    print_actions(report["stats"], report["elapsed"])
    print()
    print_mails(args.db, report["sent_mails"], report["received"])
    print_contention(args, log_path, report)


def main():
    # TERM (load.sh stopped) runs the finally blocks: the server is stopped.
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    odoo_args, args = parse()
    run(odoo_args, args)


if __name__ == "__main__":
    main()
