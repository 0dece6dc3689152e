"""Support Desk side by side with OCA helpdesk_mgmt (+ helpdesk_mgmt_sla).

Run through bench/compare.sh, which prepares one throwaway cluster with two
databases: ``--ours`` (support_desk) and ``--oca`` (helpdesk_mgmt,
helpdesk_mgmt_sla). Both get the same shape of data (10 teams, 50 customer
companies with a contact each, an agent in two teams, a portal user, an SLA of
8 hours for every ticket) and the same work; the table at the end gives each
figure for both and the ratio (ours / OCA for rates, OCA / ours for latencies:
above 1 means we are faster).

Figures:
- tickets created through the ORM, one by one and in batches of 1,000;
- mails turned into tickets through ``message_process`` (the same mails), and
  the floor for mail: the same number of mails through Odoo's gateway alone
  (parsed, routed, posted as a reply on a contact of its own: no record
  opened, no helpdesk code on the route), on each side's database;
- at each size of ``--sizes`` (tickets bulk-loaded with COPY, 30 % open): the
  agent's default list (open tickets, by priority and deadline, 80 rows, count up
  to 10,001) as administrator and as team agent, grouped by stage, counted, and
  our search panel counts: median and p95 over ``--repeat`` runs;
- the floor: rows per second of that COPY (PostgreSQL's own limit);
- SLA: our escalation cron over 100,000 open tickets of which 1 % are due; OCA's
  equivalent, the search of tickets whose SLA expired;
- the portal ``/my/tickets`` with ``--portal-clients`` concurrent sessions against
  a multi-worker Odoo: requests per second and p95 latency.
"""

import argparse
import io
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import psycopg2
import requests

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import config

TEAMS = 10
CUSTOMERS = 50
PASSWORD = "bench-Password-1"  # noqa: S105 - throwaway database


def parse():
    argv = sys.argv[1:]
    # Odoo's options, then "--" and the benchmark's own (maybe none).
    split = argv.index("--") if "--" in argv else len(argv)
    odoo_args, bench_args = " ".join(argv[:split]), " ".join(argv[split + 1 :])
    parser = argparse.ArgumentParser()
    parser.add_argument("--ours", required=True)
    parser.add_argument("--oca", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--create", type=int, default=300)
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--mails", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=4, help="mail: turns per side")
    parser.add_argument("--sla-tickets", type=int, default=100_000)
    parser.add_argument("--portal-clients", type=int, default=20)
    parser.add_argument("--portal-seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--skip", default="", help="comma list: create,mail,list,...")
    own = []
    odoo_list = odoo_args.split()
    for item in list(odoo_list):
        if item.startswith(("--ours=", "--oca=", "--work=")):
            own.append(item)
            odoo_list.remove(item)
    args = parser.parse_args(own + bench_args.split())
    args.skip = set(filter(None, args.skip.split(",")))
    args.sizes = [int(size) for size in args.sizes.split(",") if size]
    return odoo_list, args


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def timed(function, repeat):
    """Median and p95 in ms of `repeat` runs after two warm-up runs."""
    for _i in range(2):
        function()
    runs = []
    for _i in range(repeat):
        started = time.perf_counter()
        function()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs), percentile(runs, 0.95)


class Side:
    """One helpdesk under test: its data and how each figure runs on it."""

    label = ""
    model = ""
    modules = ""

    def __init__(self, db):
        self.db = db
        self.registry = odoo.modules.registry.Registry(db)
        self.ids = {}

    def cursor(self):
        return self.registry.cursor()

    def env(self, cr, uid=SUPERUSER_ID):
        return api.Environment(cr, uid, {"tracking_disable": False})

    # -- shared data ---------------------------------------------------------
    def setup(self):
        """The shared data; kept in the database so that a second run reuses it."""
        with self.cursor() as cr:
            env = self.env(cr)
            saved = env["ir.config_parameter"].get_param("support_desk.bench_ids")
            if saved:
                self.ids = json.loads(saved)
                return
            companies = env["res.partner"].create(
                [
                    {"name": f"Customer {n}", "is_company": True}
                    for n in range(CUSTOMERS)
                ]
            )
            contacts = env["res.partner"].create(
                [
                    {
                        "name": f"Contact {n}",
                        "parent_id": company.id,
                        "email": f"contact{n}@customer{n}.example",
                    }
                    for n, company in enumerate(companies)
                ]
            )
            agent = env["res.users"].create(
                {
                    "name": "Bench Agent",
                    "login": "bench_agent",
                    "password": PASSWORD,
                    "groups_id": [(4, env.ref(self.agent_group).id)],
                }
            )
            portal = env["res.users"].create(
                {
                    "name": contacts[0].name,
                    "login": "bench_portal",
                    "password": PASSWORD,
                    "partner_id": contacts[0].id,
                    "groups_id": [(6, 0, [env.ref("base.group_portal").id])],
                }
            )
            self.ids.update(
                companies=companies.ids,
                contacts=contacts.ids,
                agent=agent.id,
                portal=portal.id,
            )
            self.setup_side(env, agent)
            env["ir.config_parameter"].set_param(
                "support_desk.bench_ids", json.dumps(self.ids)
            )

    def setup_side(self, env, agent):
        raise NotImplementedError

    def vals(self, n):
        raise NotImplementedError

    # -- figures ---------------------------------------------------------------
    def drain(self, env):
        """Seconds spent on the work a side leaves to a queue (cron) after
        opening tickets; the figures report it apart and added."""
        return 0.0

    def create_one_by_one(self, count):
        """Tickets per second: opening them, and with their queued work."""
        with self.cursor() as cr:
            env = self.env(cr)
            Model = env[self.model]
            started = time.perf_counter()
            for n in range(count):
                Model.create(self.vals(n))
            env.flush_all()
            elapsed = time.perf_counter() - started
            queued = self.drain(env)
        return count / elapsed, count / (elapsed + queued)

    def create_batches(self, batches, size=1000):
        elapsed = queued = 0.0
        for batch in range(batches):
            with self.cursor() as cr:
                env = self.env(cr)
                vals_list = [self.vals(batch * size + n) for n in range(size)]
                started = time.perf_counter()
                env[self.model].create(vals_list)
                env.flush_all()
                elapsed += time.perf_counter() - started
                queued += self.drain(env)
        return batches * size / elapsed, batches * size / (elapsed + queued)

    @staticmethod
    def process_mails(env, routes):
        """Seconds to run ``message_process`` on each (model, raw mail,
        thread id) of ``routes``, writes flushed."""
        Thread = env["mail.thread"]
        started = time.perf_counter()
        for model, raw, thread_id in routes:
            Thread.message_process(model, raw, thread_id=thread_id)
        env.flush_all()
        return time.perf_counter() - started

    def ingest(self, raws):
        """``(seconds, seconds of the queue, tickets made)`` for these mails."""
        with self.cursor() as cr:
            env = self.env(cr)
            Model = env[self.model]
            before = Model.search_count([("name", "like", "Bench mail ")])
            elapsed = self.process_mails(env, [(self.model, raw, None) for raw in raws])
            queued = self.drain(env)
            count = Model.search_count([("name", "like", "Bench mail ")]) - before
        return elapsed, queued, count

    def gateway_floor(self, mails):
        """Mails per second through Odoo's gateway alone: parsed, routed and
        posted, each as a reply on a contact of its own (no record to open, no
        helpdesk code on the route), the same on both databases; rolled back."""
        with self.cursor() as cr:
            env = self.env(cr)
            raws = list(mails(self))
            contacts = env["res.partner"].create(
                [{"name": f"Bench floor {n}"} for n in range(len(raws))]
            )
            env.flush_all()
            elapsed = self.process_mails(
                env,
                [
                    ("res.partner", raw, contact.id)
                    for raw, contact in zip(raws, contacts, strict=True)
                ],
            )
            count = env["mail.message"].search_count(
                [("model", "=", "res.partner"), ("res_id", "in", contacts.ids),
                 ("message_type", "=", "email")]
            )  # fmt: skip
            cr.rollback()
        return count / elapsed

    def alias_address(self, local_part="support"):
        return f"{local_part}@{self.label.lower()}.bench.example"

    def bulk_load(self, target):
        """COPY tickets until the table holds `target` rows; rows per second."""
        with self.cursor() as cr:
            cr.execute(f"SELECT count(*), coalesce(max(id), 0) FROM {self.table}")
            present, _last = cr.fetchone()
            missing = target - present
            if missing <= 0:
                return None
            columns, rows = self.copy_rows(cr, present, missing)
            started = time.perf_counter()
            buffer = io.StringIO()
            written = 0
            for row in rows:
                buffer.write(row)
                written += 1
                if written % 50_000 == 0:
                    buffer.seek(0)
                    cr._obj.copy_expert(
                        f"COPY {self.table} ({', '.join(columns)}) FROM STDIN", buffer
                    )
                    buffer = io.StringIO()
            buffer.seek(0)
            cr._obj.copy_expert(
                f"COPY {self.table} ({', '.join(columns)}) FROM STDIN", buffer
            )
            copy_time = time.perf_counter() - started
            self.after_load(cr, present, missing)
        # A database in service is vacuumed (autovacuum): so is this one, on both
        # sides, before anything is measured on it.
        self.vacuum(self.table, "mail_followers")
        return missing / copy_time

    def vacuum(self, *tables):
        """VACUUM ANALYZE, until the visibility map covers the table: index-only
        scans read the heap for pages it does not cover, and a transaction left
        open anywhere in the database keeps VACUUM from setting it."""
        _db, info = odoo.sql_db.connection_info_for(self.db)
        connection = psycopg2.connect(**info)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                for table in tables:
                    for attempt in range(5):
                        cursor.execute(f"VACUUM ANALYZE {table}")
                        cursor.execute(
                            "SELECT relallvisible::float / greatest(relpages, 1) "
                            "FROM pg_class WHERE relname = %s",
                            [table],
                        )
                        visible = cursor.fetchone()[0]
                        if visible >= 0.95:
                            break
                        cursor.execute(
                            "SELECT pid, state, xact_start, left(query, 60) "
                            "FROM pg_stat_activity WHERE datname = %s "
                            "AND pid != pg_backend_pid() AND backend_xmin IS NOT NULL",
                            [self.db],
                        )
                        print(
                            f"[compare] {self.label}: {table} {visible:.0%} all-visible"
                            f" after VACUUM (attempt {attempt + 1}); open: "
                            f"{cursor.fetchall()}",
                            flush=True,
                        )
                        time.sleep(10)
        finally:
            connection.close()

    def after_load(self, cr, present, missing):
        """Followers of the loaded tickets (their contact), as the ORM would add."""
        cr.execute(
            f"""
            INSERT INTO mail_followers (res_model, res_id, partner_id)
            SELECT %s, id, {self.follower_column} FROM {self.table}
            WHERE id > (SELECT max(id) - %s FROM {self.table})
            ON CONFLICT DO NOTHING
            """,
            (self.model, missing),
        )

    def list_figures(self, repeat):
        figures = {}
        with self.cursor() as cr:
            for role, uid in (
                ("admin", SUPERUSER_ID + 1),
                ("agent", self.ids["agent"]),
            ):
                env = self.env(cr, uid)
                Model = env[self.model]
                spec = self.list_spec(env)
                domain = self.open_domain

                def listing(Model=Model, spec=spec, domain=domain):
                    Model.env.invalidate_all()
                    Model.web_search_read(
                        domain,
                        spec,
                        limit=80,
                        order=self.list_order,
                        count_limit=10001,
                    )

                def grouping(Model=Model, domain=domain):
                    Model.env.invalidate_all()
                    Model.web_read_group(domain, ["stage_id"], ["stage_id"], lazy=True)

                def counting(Model=Model, domain=domain):
                    Model.env.invalidate_all()
                    Model.search_count(domain)

                figures[f"list ({role})"] = timed(listing, repeat)
                figures[f"group by stage ({role})"] = timed(grouping, repeat)
                figures[f"count ({role})"] = timed(counting, repeat)
                panel = self.searchpanel(Model, domain)
                if panel:
                    figures[f"search panel counts ({role})"] = timed(panel, repeat)
            cr.rollback()
        return figures

    def list_spec(self, env):
        """What the web client reads for the default list view."""
        arch = env[self.model].get_views([(False, "list")])["views"]["list"]["arch"]
        from lxml import etree

        spec = {}
        Model = env[self.model]
        for node in etree.fromstring(arch).iter("field"):
            name = node.get("name")
            field = Model._fields.get(name)
            if not field:
                continue
            if field.type in ("many2one",):
                spec[name] = {"fields": {"display_name": {}}}
            elif field.type in ("many2many", "one2many"):
                spec[name] = {"fields": {"display_name": {}}}
            else:
                spec[name] = {}
        return spec

    def searchpanel(self, Model, domain):
        return None

    def portal_url(self):
        return "/my/tickets"


class Ours(Side):
    label = "Ours"
    model = "support.ticket"
    table = "support_ticket"
    agent_group = "support_desk.group_support_agent"
    follower_column = "partner_contact_id"
    list_order = None  # the model's: priority, then deadline

    def drain(self, env):
        # the creation queue, run as its cron does until it is empty
        started = time.perf_counter()
        Ticket = env["support.ticket"].sudo()
        while Ticket._cron_process_creation_queue(limit=1000):
            pass
        env.flush_all()
        return time.perf_counter() - started

    @property
    def open_domain(self):
        # the "Open" filter the ticket action applies by default
        return [("state", "in", ("new", "in_progress", "on_hold"))]

    def setup_side(self, env, agent):
        teams = env["support.team"].create(
            [{"name": f"Team {n}"} for n in range(TEAMS)]
        )
        teams[:2].write({"member_ids": [(4, agent.id)]})
        # Mail reaches the first team through its alias, as configured in real life.
        alias_name, _at, domain = self.alias_address().partition("@")
        env.company.alias_domain_id = env["mail.alias.domain"].create({"name": domain})
        teams[0].write(
            {
                "alias_name": alias_name,
                "alias_domain_id": env.company.alias_domain_id.id,
            }
        )
        calendar = env.ref("resource.resource_calendar_std")
        priorities = env["support.priority"].search([], order="sequence")
        policy = env["support.sla.policy"].create(
            {
                "name": "Bench 8h",
                "calendar_id": calendar.id,
                "line_ids": [
                    (0, 0, {"priority_id": priority.id, "resolution_hours": 8})
                    for priority in priorities
                ],
                "escalation_ids": [(0, 0, {"name": "Breach", "trigger": "breach"})],
            }
        )
        env["support.contract"].create(
            [
                {
                    "name": f"Contract {n}",
                    "partner_id": company_id,
                    "date_start": "2020-01-01",
                    "sla_policy_id": policy.id,
                    "state": "active",
                }
                for n, company_id in enumerate(self.ids["companies"])
            ]
        )
        env["res.partner"].browse(self.ids["companies"][0]).write(
            {"support_portal_company_visible": True}
        )
        stages = env["support.stage"].search([])
        self.ids.update(
            teams=teams.ids,
            priorities=[(p.id, p.sequence) for p in priorities],
            stages=[(s.id, s.state) for s in stages],
            type=env["support.ticket.type"]
            .search([("is_default", "=", True)], limit=1)
            .id,
            policy=policy.id,
        )

    def vals(self, n):
        contacts, companies = self.ids["contacts"], self.ids["companies"]
        return {
            "name": f"Bench ticket {n}",
            "description": f"<p>Something is broken ({n}).</p>",
            "partner_id": companies[n % CUSTOMERS],
            "partner_contact_id": contacts[n % CUSTOMERS],
            "team_id": self.ids["teams"][n % TEAMS],
            "priority_id": self.ids["priorities"][n % len(self.ids["priorities"])][0],
        }

    def copy_rows(self, cr, present, missing):
        columns = [
            "number", "name", "description", "company_id", "partner_id",
            "partner_contact_id", "team_id", "type_id", "priority_id",
            "priority_sequence", "stage_id", "state", "user_id", "opened_by_id",
            "channel", "active", "is_external", "date_deadline", "sla_status",
            "create_uid", "write_uid", "create_date", "write_date",
        ]  # fmt: skip
        open_stages = [s for s in self.ids["stages"] if s[1] in ("new", "in_progress")]
        closed_stages = [s for s in self.ids["stages"] if s[1] == "done"]
        agent = self.ids["agent"]
        now = datetime.utcnow()

        def rows():
            rnd = random.Random(present)
            for n in range(present, present + missing):
                stage, state = (
                    open_stages[n % len(open_stages)]
                    if n % 10 < 3
                    else closed_stages[0]
                )
                priority, sequence = self.ids["priorities"][n % 4]
                created = now - timedelta(minutes=n % 500_000)
                deadline = created + timedelta(hours=rnd.randint(4, 400))
                user = agent if n % 50 == 0 else 2
                yield (
                    f"L{n:09d}\tBench loaded {n}\t<p>Loaded ticket {n}</p>\t1\t"
                    f"{self.ids['companies'][n % CUSTOMERS]}\t"
                    f"{self.ids['contacts'][n % CUSTOMERS]}\t"
                    f"{self.ids['teams'][n // 3 % TEAMS]}\t{self.ids['type']}\t"
                    f"{priority}\t{sequence}\t{stage}\t{state}\t{user}\t2\tmanual\tt\tf\t"
                    f"{deadline:%Y-%m-%d %H:%M:%S}\tnone\t2\t2\t"
                    f"{created:%Y-%m-%d %H:%M:%S}\t{created:%Y-%m-%d %H:%M:%S}\n"
                )

        return columns, rows()

    def searchpanel(self, Model, domain):
        """What the web client asks for the search panel of the default search
        view: one call per field, with the view's counters and expand options."""
        from lxml import etree

        arch = Model.get_views([(False, "search")])["views"]["search"]["arch"]
        calls = [
            (
                node.get("name"),
                node.get("select") == "multi",
                node.get("enable_counters") == "1",
                node.get("expand") == "1",
            )
            for node in etree.fromstring(arch).iterfind(".//searchpanel/field")
        ]

        def panel():
            Model.env.invalidate_all()
            for name, multi, counters, expand in calls:
                method = (
                    Model.search_panel_select_multi_range
                    if multi
                    else Model.search_panel_select_range
                )
                method(
                    name, search_domain=domain, enable_counters=counters, expand=expand
                )

        return panel

    def escalation(self, tickets, due_ratio):
        sys.path.insert(0, os.path.dirname(__file__))
        import escalation_bench

        with self.cursor() as cr:
            env = self.env(cr)
            due = escalation_bench.setup(env, tickets, due_ratio)
        with self.cursor() as cr:
            env = self.env(cr)
            started = time.perf_counter()
            lines = env["support.ticket.sla"]._cron_escalate(limit=max(due, 1))
            env.flush_all()
            elapsed = time.perf_counter() - started
        return elapsed, len(lines)


class Oca(Side):
    label = "OCA"
    model = "helpdesk.ticket"
    table = "helpdesk_ticket"
    agent_group = "helpdesk_mgmt.group_helpdesk_user_team"
    follower_column = "partner_id"
    list_order = None  # OCA's own order: priority desc, sequence, number desc

    @property
    def open_domain(self):
        return [("closed", "=", False)]

    def setup_side(self, env, agent):
        teams = env["helpdesk.ticket.team"].create(
            [{"name": f"Team {n}", "use_sla": True} for n in range(TEAMS)]
        )
        teams[:2].write({"user_ids": [(4, agent.id)]})
        env["helpdesk.sla"].create({"name": "Bench 8h", "hours": 8})
        stages = env["helpdesk.ticket.stage"].search([])
        self.ids.update(
            teams=teams.ids,
            stages=[(s.id, s.closed) for s in stages],
            category=env["helpdesk.ticket.category"].create({"name": "Bench"}).id,
        )

    def vals(self, n):
        return {
            "name": f"Bench ticket {n}",
            "description": f"<p>Something is broken ({n}).</p>",
            "partner_id": self.ids["contacts"][n % CUSTOMERS],
            "team_id": self.ids["teams"][n % TEAMS],
            "priority": str(n % 4),
            "category_id": self.ids["category"],
        }

    def copy_rows(self, cr, present, missing):
        columns = [
            "number", "name", "description", "company_id", "partner_id",
            "commercial_partner_id", "partner_name", "partner_email", "team_id",
            "category_id", "priority", "stage_id", "user_id", "kanban_state",
            "active", "unattended", "sequence", "last_stage_update",
            "create_uid", "write_uid", "create_date", "write_date",
        ]  # fmt: skip
        open_stages = [s[0] for s in self.ids["stages"] if not s[1]]
        closed_stages = [s[0] for s in self.ids["stages"] if s[1]]
        agent = self.ids["agent"]
        now = datetime.utcnow()

        def rows():
            for n in range(present, present + missing):
                stage = (
                    open_stages[n % len(open_stages)]
                    if n % 10 < 3
                    else closed_stages[0]
                )
                created = now - timedelta(minutes=n % 500_000)
                user = agent if n % 50 == 0 else 2
                yield (
                    f"L{n:09d}\tBench loaded {n}\t<p>Loaded ticket {n}</p>\t1\t"
                    f"{self.ids['contacts'][n % CUSTOMERS]}\t"
                    f"{self.ids['companies'][n % CUSTOMERS]}\tContact {n % CUSTOMERS}\t"
                    f"contact{n % CUSTOMERS}@customer.example\t"
                    f"{self.ids['teams'][n // 3 % TEAMS]}\t{self.ids['category']}\t"
                    f"{n % 4}\t{stage}\t{user}\tnormal\tt\tf\t10\t"
                    f"{created:%Y-%m-%d %H:%M:%S}\t2\t2\t"
                    f"{created:%Y-%m-%d %H:%M:%S}\t{created:%Y-%m-%d %H:%M:%S}\n"
                )

        return columns, rows()

    def escalation(self, tickets, due_ratio):
        """OCA has no escalation: the closest work is finding the expired SLAs."""
        with self.cursor() as cr:
            cr.execute("SELECT count(*) FROM helpdesk_ticket")
            present = cr.fetchone()[0]
        # As many new tickets as our escalation step adds on its side.
        self.bulk_load(present + tickets)
        with self.cursor() as cr:
            env = self.env(cr)
            sla = env["helpdesk.sla"].search([], limit=1)
            due = int(tickets * due_ratio)
            cr.execute(
                """
                INSERT INTO helpdesk_ticket_sla (ticket_id, sla_id, deadline, hours,
                    state, consumed_time, last_state_date)
                SELECT id, %s,
                    (now() at time zone 'utc') + CASE WHEN row_number() OVER () <= %s
                        THEN -interval '1 hour' ELSE interval '8 hours' END,
                    8, 'in_progress', 0, now() at time zone 'utc'
                FROM (SELECT id FROM helpdesk_ticket ORDER BY id DESC LIMIT %s) t
                """,
                (sla.id, due, tickets),
            )
            cr.execute("ANALYZE helpdesk_ticket_sla")
        with self.cursor() as cr:
            env = self.env(cr)
            started = time.perf_counter()
            expired = env["helpdesk.ticket"].search([("sla_expired", "=", True)])
            expired.read(["sla_expired", "sla_deadline"])
            elapsed = time.perf_counter() - started
        return elapsed, len(expired)


def ingest_rounds(sides, mails, rounds):
    """Mails per second of each side, and with their queued work: the mails
    in ``rounds`` parts, the sides taking turns (first one, then the other),
    so that a change of the machine's load weighs on both alike."""
    raws = {side: list(mails(side)) for side in sides}
    totals = {side: [0.0, 0.0, 0] for side in sides}
    for part in range(rounds):
        for side in sides if part % 2 == 0 else sides[::-1]:
            elapsed, queued, count = side.ingest(raws[side][part::rounds])
            totals[side][0] += elapsed
            totals[side][1] += queued
            totals[side][2] += count
    return [
        (count / elapsed, count / (elapsed + queued), count)
        for elapsed, queued, count in (totals[side] for side in sides)
    ]


def make_mails(count, to_alias=True):
    """The bench's mails; ``to_alias=False``: sent to an address that is no
    alias, so the gateway falls back to the model given to message_process."""

    def mails(side):
        to = side.alias_address() if to_alias else side.alias_address("nobody")
        tag = "bench" if to_alias else "floor"
        for n in range(count):
            contact = n % CUSTOMERS
            yield (
                f"From: Contact {contact} "
                f"<contact{contact}@customer{contact}.example>\r\n"
                f"To: {to}\r\n"
                f"Subject: Bench mail {n}: the printer is down\r\n"
                f"Message-ID: <{tag}-{side.label}-{n}@customer{contact}.example>\r\n"
                "Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
                "MIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                f"Hello,\r\nthe printer on floor {n % 7} is down again.\r\n"
                "Can you look at it?\r\n\r\nRegards\r\n"
            ).encode()

    return mails


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def portal_figure(side, odoo_args, args):
    """Requests per second and p95 of /my/tickets, multi-worker server."""
    port = free_port()
    log = open(os.path.join(args.work, f"portal-{side.db}.log"), "w")  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "odoo", *odoo_args, "-d", side.db,
         f"--db-filter=^{side.db}$", f"--http-port={port}",
         f"--workers={args.workers}", "--max-cron-threads=0",
         "--limit-time-real=600", "--log-level=warn"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _i in range(240):
            try:
                requests.get(url + "/web/login", timeout=2)
                break
            except requests.RequestException:
                if server.poll() is not None:
                    break
                time.sleep(0.5)
        else:
            server.poll()
        if server.returncode is not None:
            log.flush()
            with open(log.name) as failed:
                tail = failed.read()[-3000:]
            raise RuntimeError(f"{side.label}: the portal server stopped:\n{tail}")
        sessions = []
        for _i in range(args.portal_clients):
            session = requests.Session()
            page = session.get(url + "/web/login", timeout=30)
            token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            session.post(
                url + "/web/login",
                data={"login": "bench_portal", "password": PASSWORD,
                      "csrf_token": token, "db": side.db},
                timeout=30,
            )  # fmt: skip
            sessions.append(session)
        check = sessions[0].get(url + side.portal_url(), timeout=60)
        if check.status_code != 200 or "/web/login" in check.url:
            raise RuntimeError(f"{side.label}: portal list not reachable ({check.url})")
        latencies, errors = [], []
        lock = threading.Lock()
        deadline = time.perf_counter() + args.portal_seconds

        def client(session):
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    response = session.get(url + side.portal_url(), timeout=60)
                    ok = response.status_code == 200
                except requests.RequestException:
                    ok = False
                with lock:
                    if ok:
                        latencies.append((time.perf_counter() - started) * 1000)
                    else:
                        errors.append(1)

        threads = [threading.Thread(target=client, args=(s,)) for s in sessions]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        return len(latencies) / elapsed, percentile(latencies, 0.95), len(errors)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        log.close()


class Table:
    def __init__(self):
        self.rows = []

    def rate(self, figure, ours, oca, unit):
        ratio = ours / oca if ours and oca else None
        self.rows.append((figure, f"{ours:,.0f} {unit}", f"{oca:,.0f} {unit}", ratio))

    def latency(self, figure, ours, oca):
        ratio = oca[0] / ours[0] if ours and oca else None
        text = lambda value: (  # noqa: E731
            f"{value[0]:,.1f} / {value[1]:,.1f} ms" if value else "n/a"
        )
        self.rows.append((figure, text(ours), text(oca), ratio))

    def print(self):
        widths = [max(len(str(row[i])) for row in self.rows) for i in range(3)]
        head = ("figure", "ours", "OCA", "ratio")
        widths = [max(w, len(h)) for w, h in zip(widths, head, strict=False)]
        line = "  ".join("-" * w for w in widths) + "  -----"
        print(line)
        print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=False)))
        print(line)
        for figure, ours, oca, ratio in self.rows:
            ratio_text = f"{ratio:.2f}x" if ratio else "-"
            print(
                f"{figure.ljust(widths[0])}  {ours.rjust(widths[1])}  "
                f"{oca.rjust(widths[2])}  {ratio_text}"
            )
        print(line)
        print(
            "ratio: ours/OCA for rates, OCA/ours for latencies (median); "
            ">1 = ours faster"
        )


def main():
    odoo_args, args = parse()
    config.parse_config(odoo_args)
    sides = [Ours(args.ours), Oca(args.oca)]
    table = Table()

    def step(name):
        print(f"[compare] {datetime.now():%H:%M:%S} {name}", flush=True)

    for side in sides:
        side.setup()
    if "create" not in args.skip:
        step("creation, one by one")
        rates = [side.create_one_by_one(args.create) for side in sides]
        table.rate("tickets created one by one", rates[0][0], rates[1][0], "/s")
        table.rate("  + their queued mails", rates[0][1], rates[1][1], "/s")
        step("creation in batches of 1,000")
        rates = [side.create_batches(args.batches) for side in sides]
        table.rate(
            "tickets created in batches of 1,000", rates[0][0], rates[1][0], "/s"
        )
        table.rate("  + their queued mails", rates[0][1], rates[1][1], "/s")
    if "mail" not in args.skip:
        step("mail ingestion")
        results = ingest_rounds(sides, make_mails(args.mails), args.rounds)
        table.rate("mails turned into tickets", results[0][0], results[1][0], "/s")
        table.rate("  + their queued mails", results[0][1], results[1][1], "/s")
        step("mail floor: Odoo's gateway alone")
        rates = [
            side.gateway_floor(make_mails(args.mails, to_alias=False)) for side in sides
        ]
        table.rate("floor: mails through Odoo's gateway", *rates, "/s")

    def lists(size):
        step(f"bulk load to {size:,} tickets")
        rates = [side.bulk_load(size) for side in sides]
        if all(rates):
            table.rate(f"floor: COPY rows to {size:,}", *rates, "rows/s")
        step(f"list figures at {size:,}")
        figures = [side.list_figures(args.repeat) for side in sides]
        for name in figures[0]:
            table.latency(f"{name} @ {size:,}", figures[0][name], figures[1].get(name))

    sizes = [] if "list" in args.skip else list(args.sizes)
    # The smallest size first, before the SLA step adds its open tickets.
    if sizes:
        lists(sizes.pop(0))
    if "escalation" not in args.skip:
        step("SLA escalation")
        results = [side.escalation(args.sla_tickets, 0.01) for side in sides]
        table.latency(
            f"SLA run at {args.sla_tickets:,} open, 1 % due",
            (results[0][0] * 1000, results[0][0] * 1000),
            (results[1][0] * 1000, results[1][0] * 1000),
        )
    if "portal" not in args.skip:
        step("portal /my/tickets")
        results = [portal_figure(side, odoo_args, args) for side in sides]
        table.rate("portal /my/tickets", results[0][0], results[1][0], "req/s")
        table.latency(
            "portal /my/tickets p95",
            (results[0][1], results[0][1]),
            (results[1][1], results[1][1]),
        )
    for size in sizes:
        lists(size)
    print()
    table.print()


if __name__ == "__main__":
    main()
