import imaplib
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from unittest.mock import patch

import odoo
from odoo.tests import TransactionCase, new_test_user

from odoo.addons.bus.models.bus import channel_with_db, json_dump
from odoo.addons.bus.websocket import WebsocketConnectionHandler


@contextmanager
def live_bus(test, partner):
    """Deliver bus notifications to `partner`'s browser during a tour.

    HttpCase turns the websocket off, as Odoo's WebsocketCase turns it back on;
    and the test cursor drops the post-commit hook where a real commit wakes the
    bus (NOTIFY imbus): send that wake-up while the tour runs.
    """
    test.startPatcher(
        patch.object(WebsocketConnectionHandler, "websocket_allowed", return_value=True)
    )
    channel = channel_with_db(test.env.cr.dbname, partner)
    stop = threading.Event()

    def wake_bus():
        while not stop.wait(0.5):
            with odoo.sql_db.db_connect("postgres").cursor() as cr:
                cr.execute(
                    "SELECT pg_notify('imbus', %s)", [json_dump([list(channel)])]
                )

    thread = threading.Thread(target=wake_bus, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


# Custom fields of a ticket type used by several tests.
TYPE_PROPERTIES = [
    {"name": "serial", "string": "Serial Number", "type": "char"},
    {
        "name": "os",
        "string": "Operating System",
        "type": "selection",
        "selection": [["linux", "Linux"], ["win", "Windows"]],
    },
]


class SupportDeskCommon(TransactionCase):
    """Users of every role, two teams and two customers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, mail_notrack=False))
        cls.company = cls.env.company
        cls.team_a = cls.env["support.team"].create({"name": "Team A"})
        cls.team_b = cls.env["support.team"].create({"name": "Team B"})
        cls.employee = new_test_user(
            cls.env, login="sd_employee", groups="base.group_user", name="Employee"
        )
        cls.agent = new_test_user(
            cls.env,
            login="sd_agent",
            groups="support_desk.group_support_agent",
            name="Agent A",
        )
        cls.agent_b = new_test_user(
            cls.env,
            login="sd_agent_b",
            groups="support_desk.group_support_agent",
            name="Agent B",
        )
        cls.ticket_admin = new_test_user(
            cls.env,
            login="sd_ticket_admin",
            groups="support_desk.group_support_ticket_admin",
            name="Ticket Admin",
        )
        cls.manager = new_test_user(
            cls.env,
            login="sd_manager",
            groups="support_desk.group_support_manager",
            name="Support Manager",
        )
        cls.portal_user = new_test_user(
            cls.env, login="sd_portal", groups="base.group_portal", name="Portal"
        )
        cls.team_a.member_ids = cls.agent | cls.ticket_admin
        cls.team_b.member_ids = cls.agent_b
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({"name": "ACME Srl", "is_company": True})
        cls.customer_contact = Partner.create(
            {
                "name": "Anna Rossi",
                "parent_id": cls.customer.id,
                "email": "anna@acme.example",
            }
        )
        cls.other_customer = Partner.create({"name": "Globex Spa", "is_company": True})
        cls.other_contact = Partner.create(
            {"name": "Bruno Bianchi", "parent_id": cls.other_customer.id}
        )
        cls.stage_new = cls.env.ref("support_desk.support_stage_new")
        cls.stage_progress = cls.env.ref("support_desk.support_stage_in_progress")
        cls.stage_in_charge = cls.env.ref("support_desk.support_stage_in_charge")
        cls.stage_hold = cls.env.ref("support_desk.support_stage_on_hold")
        cls.stage_done = cls.env.ref("support_desk.support_stage_done")
        cls.stage_cancelled = cls.env.ref("support_desk.support_stage_cancelled")

    @classmethod
    def _create_ticket(cls, **vals):
        vals.setdefault("name", "Printer does not print")
        vals.setdefault("partner_id", cls.customer.id)
        return cls.env["support.ticket"].create(vals)

    def _run_creation_queue(self):
        """Run the queue that mails for new tickets, as its cron does."""
        return (
            self.env["support.ticket"].sudo()._cron_process_creation_queue(limit=10000)
        )


class SupportMailCommon(SupportDeskCommon):
    """Team aliases on support.example.com and tickets that mails refer to."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias_domain = cls.env["mail.alias.domain"].create(
            {"name": "support.example.com"}
        )
        cls.company.alias_domain_id = cls.alias_domain
        Partner = cls.env["res.partner"]
        cls.default_customer = Partner.create(
            {"name": "Default Customer", "is_company": True}
        )
        cls.customer.email = "info@acme.example"
        cls.other_contact.email = "bruno@globex.example"
        cls.team_a.write(
            {
                "alias_name": "helpdesk",
                "alias_domain_id": cls.alias_domain.id,
                "mail_create_company": True,
                "mail_closed_policy": "reopen",
            }
        )
        cls.team_b.write(
            {
                "alias_name": "sales-support",
                "alias_domain_id": cls.alias_domain.id,
                "mail_default_partner_id": cls.default_customer.id,
                "mail_closed_policy": "new",
            }
        )
        cls.company.support_notify_blacklist = "spam.example, bad@evil.example"
        cls.ticket_open = cls._mail_ticket(
            "T90001", cls.team_a, cls.customer_contact, cls.stage_progress
        )
        cls.ticket_closed_a = cls._mail_ticket(
            "T90002", cls.team_a, cls.customer_contact, cls.stage_done
        )
        cls.ticket_closed_b = cls._mail_ticket(
            "T90003", cls.team_b, cls.other_contact, cls.stage_done
        )

    @classmethod
    def _mail_ticket(cls, number, team, contact, stage):
        ticket = cls.env["support.ticket"].create(
            {
                "number": number,
                "name": f"Ticket {number}",
                "team_id": team.id,
                "partner_id": contact.id,
                "stage_id": stage.id,
            }
        )
        ticket.message_post(
            body="Ticket opened",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            message_id=f"<{number.lower()}@support.example.com>",
        )
        return ticket

    def _process(self, raw):
        """Feed a raw mail to the gateway as the mail fetcher or mailgate do."""
        if isinstance(raw, str):
            raw = raw.encode()
        return self.env["mail.thread"].message_process(False, raw)

    def _last_drop(self):
        return self.env["support.mail.drop"].search([], limit=1)


@contextmanager
def dovecot_imap(user="support", password="secret"):
    """A throwaway Dovecot IMAP server on 127.0.0.1 with one mailbox.

    Yields ``(port, append)``, where ``append(raw_bytes)`` stores a mail in the
    INBOX through IMAP APPEND. Dovecot refuses to run its login processes as
    root: as root, it uses the ``dovecot``/``dovenull`` users of the Debian
    package; otherwise it runs everything as the current user.
    """
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(binary):
        raise RuntimeError(
            "Dovecot is not installed (Debian package dovecot-imapd): "
            "run scripts/setup.sh"
        )
    root = tempfile.mkdtemp(prefix="support_desk_imap_")
    os.chmod(root, 0o755)
    port = free_port()
    if os.geteuid() == 0:
        internal, login, mail_user = "dovecot", "dovenull", "dovecot"
    else:
        internal = login = mail_user = pwd.getpwuid(os.geteuid()).pw_name
    with open(os.path.join(root, "passwd"), "w") as passwd:
        passwd.write(f"{user}:{{PLAIN}}{password}::::::\n")
    config = os.path.join(root, "dovecot.conf")
    with open(config, "w") as conf:
        conf.write(
            DOVECOT_CONF.format(
                root=root, port=port, internal=internal, login=login, user=mail_user
            )
        )
    home = os.path.join(root, "home")
    os.makedirs(home)
    if os.geteuid() == 0:
        shutil.chown(home, mail_user, mail_user)
    subprocess.run([binary, "-c", config], check=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                imaplib.IMAP4("127.0.0.1", port).logout()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

        def append(raw):
            client = imaplib.IMAP4("127.0.0.1", port)
            try:
                client.login(user, password)
                client.append("INBOX", None, None, raw)
            finally:
                client.logout()

        yield port, append
    finally:
        subprocess.run(
            [shutil.which("doveadm") or "/usr/bin/doveadm", "-c", config, "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


DOVECOT_CONF = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {login}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={user} gid={user} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


class JsonRpcMixin:
    """JSON-RPC as the web client sends it, for served tests (HttpCase)."""

    def _rpc_post(self, route, model, method, args=(), kwargs=None):
        """The decoded answer: {"result": ...} or {"error": ...}."""
        response = self.url_open(
            route,
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": list(args),
                        "kwargs": kwargs or {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        # Re-read what the server wrote, not this test's cache.
        self.env.invalidate_all()
        return response.json()

    def _rpc(self, user, model, method, *args, **kwargs):
        """``call_kw`` as ``user`` (a login or a user whose password is it)."""
        login = user if isinstance(user, str) else user.login
        self.authenticate(login, login)
        return self._rpc_post("/web/dataset/call_kw", model, method, args, kwargs)

    def assertRpcRefused(self, answer, error="odoo.exceptions.AccessError", message=""):
        """The call was refused with `error`, whose message contains `message`."""
        self.assertIn("error", answer, f"not refused: {answer.get('result')!r}")
        data = answer["error"]["data"]
        self.assertEqual(data["name"], error, data["message"])
        self.assertIn(message or "", data["message"])


def pdf_text(test, pdf):
    """The text of a rendered PDF report, read back with pdftotext."""
    test.assertTrue(pdf.startswith(b"%PDF"))
    pdftotext = shutil.which("pdftotext")
    test.assertTrue(pdftotext, "pdftotext (poppler-utils) is needed: scripts/setup.sh")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf_file:
        pdf_file.write(pdf)
        pdf_file.flush()
        return subprocess.run(
            [pdftotext, "-layout", pdf_file.name, "-"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
