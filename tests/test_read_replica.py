import base64
import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import closing

import psycopg2
import requests

from odoo import SUPERUSER_ID, api
from odoo.modules.module import get_module_path
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import config

from odoo.addons.support_desk.controllers.replica import is_replica_read

# Tables of the data our read paths show: never queried on the primary while
# they are served.
DATA_TABLES = ("support_", "mail_message", "ir_attachment")
WRITES = ("INSERT", "UPDATE", "DELETE")


def _free_port():
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestReadReplica(BaseCase):
    """Our read paths served by a real streaming replica.

    A second PostgreSQL in standby (``scripts/replica.sh``: pg_basebackup of
    the test cluster) and a second Odoo server on the test database with
    ``--db_replica_host``. Its request log tells the cursor each request ran
    on ("ro": read-only, the replica; "ro->rw": retried on the primary after a
    write), each server's ``pg_stat_statements`` what it read and wrote. The
    test's HttpCase servers cannot tell: they use the test cursor, never the
    replica. What this second server writes (a portal reply, a call) is
    committed in the test database, on demo records only.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db = get_db_name()
        cls.primary_port = int(config["db_port"] or 5432)
        cls.workdir = tempfile.mkdtemp(prefix="support_desk_replica_")
        cls.addClassCleanup(shutil.rmtree, cls.workdir, ignore_errors=True)
        os.chmod(cls.workdir, 0o755)  # the PostgreSQL user must traverse it
        with cls._connect(cls.primary_port) as cnx:
            libraries = cls._fetch(cnx, "SHOW shared_preload_libraries")[0][0]
            if "pg_stat_statements" not in libraries:
                raise AssertionError(
                    "The test cluster must preload pg_stat_statements "
                    "(scripts/test.sh does)"
                )
            cls._fetch(cnx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        cls._start_replica()
        cls._start_server()
        cls.portal = cls._login("portal", "portal")
        cls.agent = cls._login("demo", "demo")
        cls.admin = cls._login("admin", "admin")

    @classmethod
    def _start_replica(cls):
        script = os.path.join(get_module_path("support_desk"), "scripts", "replica.sh")
        cls.replica_dir = os.path.join(cls.workdir, "replica")
        done = subprocess.run(
            ["bash", script, "start", str(cls.primary_port), cls.replica_dir],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        cls.addClassCleanup(
            subprocess.run,
            ["bash", script, "stop", cls.replica_dir],
            capture_output=True,
            timeout=120,
            check=False,
        )
        if done.returncode:
            raise AssertionError(f"replica.sh start failed: {done.stderr}")
        cls.replica_port = int(done.stdout.split()[-1])

    @classmethod
    def _start_server(cls):
        # A port found free may be taken before the server binds it (other
        # servers start on this machine too): then try another one, and only
        # trust a server whose own log shows the requests made to it.
        for _attempt in range(3):
            if cls._try_start_server(_free_port()):
                return
        raise AssertionError(f"the replica server did not start: {cls._log()[-2000:]}")

    @classmethod
    def _try_start_server(cls, port):
        cls.http_port = port
        cls.server_log = os.path.join(cls.workdir, f"odoo-{port}.log")
        conf = os.path.join(cls.workdir, "odoo.conf")
        options = {
            "addons_path": config["addons_path"],
            "data_dir": config["data_dir"],
            "db_host": config["db_host"] or "127.0.0.1",
            "db_port": cls.primary_port,
            "db_user": config["db_user"],
            "db_replica_host": "127.0.0.1",
            "db_replica_port": cls.replica_port,
            "dbfilter": f"^{cls.db}$",
            "list_db": False,
            "http_interface": "127.0.0.1",
            "http_port": port,
            "workers": 0,
            "max_cron_threads": 0,
            "logfile": cls.server_log,
            "log_level": "info",
        }
        with open(conf, "w") as file:
            file.write("[options]\n")
            file.writelines(f"{key} = {value}\n" for key, value in options.items())
        cls.server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "odoo", "server", "-c", conf, "-d", cls.db],
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        cls.base_url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 180
        while time.time() < deadline:
            if cls.server.poll() is not None:
                raise AssertionError(f"the replica server exited: {cls._log()[-2000:]}")
            if "Address already in use" in cls._log():
                cls._stop_server()
                return False
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(cls.base_url + "/web/login", timeout=10).ok:
                    if cls._logged("GET /web/login"):
                        cls.addClassCleanup(cls._stop_server)
                        return True
                    cls._stop_server()  # another server holds the port
                    return False
            time.sleep(1)
        cls._stop_server()
        raise AssertionError("the replica server did not start")

    @classmethod
    def _stop_server(cls):
        cls.server.terminate()
        try:
            cls.server.wait(60)
        except subprocess.TimeoutExpired:
            cls.server.kill()
            cls.server.wait()

    @classmethod
    def _logged(cls, text, seconds=5):
        """Whether the server's log shows ``text`` within ``seconds`` (a request
        is logged once answered)."""
        deadline = time.time() + seconds
        while text not in cls._log():
            if time.time() > deadline:
                return False
            time.sleep(0.2)
        return True

    @classmethod
    def _log(cls):
        if not os.path.exists(cls.server_log):
            return ""
        with open(cls.server_log, encoding="utf-8", errors="replace") as file:
            return file.read()

    @classmethod
    def _connect(cls, port):
        cnx = psycopg2.connect(
            host="127.0.0.1", port=port, user=config["db_user"], dbname=cls.db
        )
        cnx.autocommit = True
        return closing(cnx)

    @staticmethod
    def _fetch(cnx, query, params=None):
        with cnx.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else []

    @classmethod
    def _login(cls, login, password):
        session = requests.Session()
        answer = session.post(
            cls.base_url + "/web/session/authenticate",
            json={"params": {"db": cls.db, "login": login, "password": password}},
            timeout=60,
        ).json()
        if "error" in answer:
            raise AssertionError(f"login {login}: {answer['error']}")
        return session

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _call(self, session, model, method, *args, **kwargs):
        answer = session.post(
            f"{self.base_url}/web/dataset/call_kw/{model}/{method}",
            json={
                "params": {
                    "model": model,
                    "method": method,
                    "args": list(args),
                    "kwargs": kwargs,
                }
            },
            timeout=60,
        ).json()
        self.assertNotIn("error", answer, f"{model}.{method}: {answer.get('error')}")
        return answer["result"]

    def _statements(self, port):
        with self._connect(port) as cnx:
            return [
                query
                for (query,) in self._fetch(
                    cnx,
                    """SELECT query FROM pg_stat_statements
                        WHERE dbid = (SELECT oid FROM pg_database
                                       WHERE datname = current_database())
                          AND query NOT ILIKE %s""",
                    ["%pg_stat_statements%"],
                )
            ]

    def _reset_statements(self):
        for port in (self.primary_port, self.replica_port):
            with self._connect(port) as cnx:
                self._fetch(cnx, "SELECT pg_stat_statements_reset()")

    def _wait_for_replica(self):
        """The replica has replayed what the primary wrote so far."""
        with self._connect(self.primary_port) as cnx:
            lsn = self._fetch(cnx, "SELECT pg_current_wal_insert_lsn()")[0][0]
        with self._connect(self.replica_port) as cnx:
            deadline = time.time() + 60
            while not self._fetch(
                cnx, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]
            )[0][0]:
                self.assertLess(time.time(), deadline, "the replica lags behind")
                time.sleep(0.2)

    def _served_mode(self, log_size, path):
        """How Odoo served the last request on ``path`` since ``log_size``: "ro"
        (a read-only cursor: the replica), "rw", or "ro->rw" (retried on the
        primary after a write), from the request line it logs."""
        pattern = re.compile(
            rf'"[A-Z]+ {re.escape(path)}(\?\S*)? HTTP/[\d.]+" .* (\S+)$', re.M
        )
        deadline = time.time() + 10
        while True:
            modes = [m.group(2) for m in pattern.finditer(self._log()[log_size:])]
            if modes or time.time() > deadline:
                return modes[-1] if modes else None
            time.sleep(0.1)

    def assertServedByReplica(self, request, path, table=None):
        """``request()`` on ``path`` ran on a read-only cursor of the replica (and
        read ``table`` there), and neither read our data nor wrote on the
        primary (but Odoo's own session device log, kept on the primary)."""
        self._wait_for_replica()
        self._reset_statements()
        log_size = len(self._log())
        result = request()
        self.assertEqual(self._served_mode(log_size, path), "ro", path)
        replica = self._statements(self.replica_port)
        primary = self._statements(self.primary_port)
        if table:
            self.assertTrue(
                [q for q in replica if f'"{table}"' in q or f" {table} " in q],
                f"{table} not read on the replica: {replica}",
            )
        self.assertFalse(
            [q for q in primary if any(t in q for t in DATA_TABLES)],
            "our data was read on the primary",
        )
        self.assertFalse(
            [
                q for q in primary
                if q.lstrip().upper().startswith(WRITES) and "res_device_log" not in q
            ],
            "something was written on the primary",
        )  # fmt: skip
        new_log = self._log()[log_size:]
        self.assertNotIn("retrying with a read/write cursor", new_log)
        self.assertNotIn("Failed to open a readonly cursor", new_log)
        return result

    def assertWrittenOnPrimary(self, request, path, table):
        self._reset_statements()
        log_size = len(self._log())
        result = request()
        self.assertEqual(self._served_mode(log_size, path), "rw", path)
        primary = self._statements(self.primary_port)
        self.assertTrue(
            [q for q in primary if q.lstrip().upper().startswith("INSERT")
             and table in q],
            f"no INSERT INTO {table} on the primary: {primary}",
        )  # fmt: skip
        self.assertFalse(
            [q for q in self._statements(self.replica_port) if table in q],
            f"{table} was read on the replica during a write",
        )
        return result

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------

    def test_route_modes(self):
        """Pages are read-only on GET, what changes data is not; the RPC
        methods that write are not marked read-only."""
        with Registry(self.db).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            router = env["ir.http"].routing_map().bind("")
            for path, method, readonly in [
                ("/my/tickets", "GET", is_replica_read),
                ("/my/tickets/page/2", "GET", is_replica_read),
                ("/my/tickets/1", "GET", is_replica_read),
                ("/my/tickets/new", "POST", is_replica_read),
                ("/support/new", "GET", is_replica_read),
                ("/support/confirm/1/abc", "POST", is_replica_read),
                ("/my/tickets/1/reply", "POST", False),
                ("/my/tickets/1/close", "POST", False),
                ("/my/tickets/1/reopen", "POST", False),
                ("/support/new/submit", "POST", False),
                ("/support_desk/pbx/event", "POST", False),
            ]:
                rule, _args = router.match(path, method=method, return_rule=True)
                self.assertIs(rule.endpoint.routing["readonly"], readonly, path)
        registry = Registry(self.db)
        for model, method, readonly in [
            ("support.ticket", "get_systray_counts", True),
            ("support.ticket", "get_dashboard_domains", True),
            ("support.ticket", "action_support_partner_card", True),
            ("res.partner", "action_support_open_card", True),
            ("res.partner", "action_view_support_open_tickets", True),
            ("res.partner", "action_view_support_quotations", True),
            ("res.partner", "action_view_support_sale_orders", True),
            ("res.partner", "action_view_support_opportunities", True),
            ("support.team", "action_view_overview_tickets", True),
            ("support.pbx.call", "action_open_partner", True),
            ("support.ticket", "action_support_mark_read", False),
            ("support.ticket", "action_take_in_charge", False),
            ("support.pbx.call", "action_new_ticket", False),
            # its wizard is saved by the same click: a replica may not have it
            ("support.statement.wizard", "action_print_pdf", False),
        ]:
            function = getattr(registry[model], method)
            self.assertIs(getattr(function, "_readonly", False), readonly, method)

    def test_new_ticket_has_token(self):
        """A ticket has its portal token from the start: the page that links
        it as a neighbour (previous/next) must not write one on the replica."""
        with Registry(self.db).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            ticket = env["support.ticket"].create({"name": "Token from the start"})
            self.assertTrue(ticket.access_token)
            self.assertNotEqual(ticket.access_token, ticket.copy().access_token)
            cr.rollback()

    def test_portal_pages(self):
        get = self.portal.get
        listing = self.assertServedByReplica(
            lambda: get(self.base_url + "/my/tickets", timeout=60),
            "/my/tickets",
            "support_ticket",
        )
        self.assertEqual(listing.status_code, 200)
        ticket_id = int(re.search(r'href="/my/tickets/(\d+)"', listing.text).group(1))
        path = f"/my/tickets/{ticket_id}"
        page = get(self.base_url + path, timeout=60)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        # A reply with a file is a write: on the primary. The file gets its
        # download token then, so the pages below write nothing.
        reply = self.assertWrittenOnPrimary(
            lambda: self.portal.post(
                self.base_url + path + "/reply",
                data={"csrf_token": csrf, "message": "Replica test reply"},
                files={"attachments": ("replica.txt", b"replica", "text/plain")},
                allow_redirects=False,
                timeout=60,
            ),
            path + "/reply",
            "mail_message",
        )
        self.assertEqual(reply.status_code, 303)
        # The page the reply redirects to is read on the primary: the replica
        # may not have the reply yet.
        log_size = len(self._log())
        page = get(self.base_url + path, timeout=60)
        self.assertEqual(self._served_mode(log_size, path), "rw")
        self.assertIn("Replica test reply", page.text)
        # Another session of the customer reads it on the replica.
        other = self._login("portal", "portal")
        page = self.assertServedByReplica(
            lambda: other.get(self.base_url + path, timeout=60), path, "support_ticket"
        )
        self.assertIn("Replica test reply", page.text)
        self.assertRegex(
            page.text, r"/web/content/\d+\?download=true&amp;access_token=[\w-]+"
        )
        form = self.assertServedByReplica(
            lambda: other.get(self.base_url + "/my/tickets/new", timeout=60),
            "/my/tickets/new",
        )
        self.assertEqual(form.status_code, 200)
        web_form = self.assertServedByReplica(
            lambda: requests.get(self.base_url + "/support/new", timeout=60),
            "/support/new",
        )
        self.assertEqual(web_form.status_code, 200)

    def test_desk_figures(self):
        route = "/web/dataset/call_kw/support.ticket/"
        counts = self.assertServedByReplica(
            lambda: self._call(self.agent, "support.ticket", "get_systray_counts"),
            route + "get_systray_counts",
            "support_ticket",
        )
        self.assertGreater(counts["total"], 0)
        domains = self.assertServedByReplica(
            lambda: self._call(self.agent, "support.ticket", "get_dashboard_domains"),
            route + "get_dashboard_domains",
        )
        self.assertIn("assigned", domains)
        teams = self.assertServedByReplica(
            lambda: self._call(
                self.agent,
                "support.team",
                "web_search_read",
                [],
                {"name": {}, "overview_open_count": {}, "overview_mine_count": {}},
            ),
            "/web/dataset/call_kw/support.team/web_search_read",
            "support_ticket",
        )["records"]
        self.assertTrue(any(team["overview_open_count"] for team in teams))
        action = self.assertServedByReplica(
            lambda: self._call(
                self.agent,
                "support.team",
                "action_view_overview_tickets",
                [teams[0]["id"]],
                context={"support_overview_kind": "mine"},
            ),
            "/web/dataset/call_kw/support.team/action_view_overview_tickets",
        )
        self.assertEqual(action["res_model"], "support.ticket")

    def test_customer_card(self):
        ticket = self._call(
            self.agent,
            "support.ticket",
            "search_read",
            [("partner_id", "!=", False)],
            ["partner_id"],
            limit=1,
        )[0]
        card = self.assertServedByReplica(
            lambda: self._call(
                self.agent,
                "support.ticket",
                "action_support_partner_card",
                [ticket["id"]],
            ),
            "/web/dataset/call_kw/support.ticket/action_support_partner_card",
            "support_ticket",
        )
        self.assertEqual(card["res_model"], "res.partner")
        fields = self.assertServedByReplica(
            lambda: self._call(
                self.agent,
                "res.partner",
                "web_read",
                [card["res_id"]],
                {"support_card_ticket_ids": {"fields": {"display_name": {}}}},
            ),
            "/web/dataset/call_kw/res.partner/web_read",
            "support_ticket",
        )
        self.assertTrue(fields[0]["support_card_ticket_ids"])
        tickets = self.assertServedByReplica(
            lambda: self._call(
                self.agent,
                "res.partner",
                "action_view_support_open_tickets",
                [card["res_id"]],
            ),
            "/web/dataset/call_kw/res.partner/action_view_support_open_tickets",
        )
        self.assertEqual(tickets["res_model"], "support.ticket")

    def test_caller_lookup(self):
        """The call is logged by the PBX event on the primary; the agent's
        "Open Customer" reads it on the replica."""
        partner = self._call(
            self.admin,
            "res.partner",
            "search_read",
            [("phone", "!=", False)],
            ["phone"],
            limit=1,
        )[0]
        token = base64.b16encode(os.urandom(16)).decode()
        admin = self._call(self.admin, "res.users", "read", [2], ["company_id"])[0]
        company_id = admin["company_id"][0]
        self._call(
            self.admin,
            "res.company",
            "write",
            [company_id],
            {"support_pbx_token": token},
        )
        self.addCleanup(
            self._call,
            self.admin,
            "res.company",
            "write",
            [company_id],
            {"support_pbx_token": False},
        )
        event = self.assertWrittenOnPrimary(
            lambda: requests.post(
                self.base_url + "/support_desk/pbx/event",
                json={
                    "event": "newCall",
                    "call_id": f"replica-{token}",
                    "from": partner["phone"],
                },
                headers={"X-PBX-Token": token},
                timeout=60,
            ).json(),
            "/support_desk/pbx/event",
            "support_pbx_call",
        )
        self.addCleanup(
            self._call, self.admin, "support.pbx.call", "unlink", [event["call"]]
        )
        action = self.assertServedByReplica(
            lambda: self._call(
                self.admin, "support.pbx.call", "action_open_partner", [event["call"]]
            ),
            "/web/dataset/call_kw/support.pbx.call/action_open_partner",
            "support_pbx_call",
        )
        self.assertEqual(action["res_model"], "res.partner")
