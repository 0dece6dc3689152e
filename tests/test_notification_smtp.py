import email
import socket
from contextlib import contextmanager
from email import policy
from unittest.mock import patch

from aiosmtpd.controller import Controller

from odoo import modules
from odoo.tests import tagged

from .common import SupportDeskCommon


class _Collector:
    """aiosmtpd handler keeping every delivered envelope."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestNotificationSmtp(SupportDeskCommon):
    """Ticket mails delivered to a real SMTP server (aiosmtpd) started by the test.

    Odoo never opens an SMTP connection while a test runs: ``ir.mail_server.connect``
    and ``send_email`` return early when ``odoo.modules.module.current_test`` is
    set (the Odoo 18 form of ``_is_test_mode()``). The least intrusive way to really
    deliver is to clear that one documented flag only around ``mail.mail.send()``
    (``_deliver``), with ``unittest.mock.patch.object`` so it is always restored.
    Nothing else of Odoo is replaced: mails are rendered, queued, connected and sent
    through smtplib to the local server, and we assert on what it received.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["support.notification.rule"].search([]).active = False
        cls.env["support.notification.rule"].create(
            {"name": "reply", "event": "reply", "notify_customer": True}
        )
        cls.collectors = {}
        servers = {}
        for key in ("team", "ticket"):
            collector = _Collector()
            port = _free_port()
            controller = Controller(collector, hostname="127.0.0.1", port=port)
            controller.start()
            cls.addClassCleanup(controller.stop)
            cls.collectors[key] = collector
            servers[key] = cls.env["ir.mail_server"].create(
                {
                    "name": f"SMTP {key}",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": port,
                    "smtp_encryption": "none",
                }
            )
        cls.team_server, cls.ticket_server = servers["team"], servers["ticket"]
        cls.team_a.mail_server_id = cls.team_server
        cls.company.support_mail_footer = "<p>Informativa privacy</p>"
        cls.ticket = cls.env["support.ticket"].create(
            {
                "name": "Printer broken",
                "team_id": cls.team_a.id,
                "partner_id": cls.customer.id,
                "partner_contact_id": cls.customer_contact.id,
                "user_id": cls.agent.id,
            }
        )

    @contextmanager
    def _deliver(self):
        for collector in self.collectors.values():
            collector.received.clear()
        before = self.env["mail.mail"].search([])
        yield
        mails = self.env["mail.mail"].search([]) - before
        with patch.object(modules.module, "current_test", False):
            mails.send(raise_exception=True)

    def _post(self, subtype="mail.mt_comment", **kwargs):
        with self._deliver():
            self.ticket.with_user(self.agent).with_context(
                mail_notify_force_send=False
            ).message_post(
                body="We replaced the toner", message_type="comment",
                subtype_xmlid=subtype, **kwargs,
            )  # fmt: skip

    def _rcpts(self, key="team"):
        return [r for rcpts, _msg in self.collectors[key].received for r in rcpts]

    def test_public_reply_delivered(self):
        self._post()
        received = self.collectors["team"].received
        self.assertEqual(self._rcpts(), ["anna@acme.example"])
        self.assertFalse(self.collectors["ticket"].received)
        _rcpts, msg = received[0]
        self.assertIn("anna@acme.example", msg["To"])
        self.assertIsNone(msg["Cc"])
        self.assertTrue(msg["Subject"].startswith(f"[{self.ticket.number}]"))
        self.assertEqual(msg["X-Support-Desk-Ticket"], self.ticket.number)
        self.assertIsNone(msg["Auto-Submitted"])
        html = msg.get_body(("html",)).get_content()
        self.assertIn("Informativa privacy", html)

    def test_ticket_server_overrides_team(self):
        self.ticket.mail_server_id = self.ticket_server
        self._post()
        self.assertEqual(self._rcpts("ticket"), ["anna@acme.example"])
        self.assertFalse(self.collectors["team"].received)

    def test_nothing_outside(self):
        """Each refusal next to what is delivered in the same set-up, so that the
        test fails if delivery itself breaks."""
        self.agent_b.write(
            {"email": "agent.b@desk.example", "notification_type": "email"}
        )
        # internal note mentioning the customer and a colleague: the colleague only
        mentioned = self.customer_contact | self.agent_b.partner_id
        self._post("mail.mt_note", partner_ids=mentioned.ids)
        self.assertEqual(self._rcpts(), ["agent.b@desk.example"])
        # notify toggle off, then on again
        self.ticket.support_notify = False
        self._post()
        self.assertNotIn("anna@acme.example", self._rcpts())
        self.ticket.support_notify = True
        self._post()
        self.assertEqual(self._rcpts(), ["anna@acme.example"])
        # blacklisted domain
        self.company.support_notify_blacklist = "acme.example"
        self._post()
        self.assertNotIn("anna@acme.example", self._rcpts())

    def test_acknowledgement_delivered(self):
        self.company.support_notify_on_open = True
        self._run_creation_queue()
        with self._deliver():
            ticket = self.env["support.ticket"].create(
                {
                    "name": "Help",
                    "channel": "email",
                    "team_id": self.team_a.id,
                    "email_from": "joe@example.com",
                }
            )
            self._run_creation_queue()
        rcpts, msg = self.collectors["team"].received[0]
        self.assertEqual(rcpts, ["joe@example.com"])
        self.assertEqual(msg["X-Support-Desk-Ticket"], ticket.number)
        self.assertEqual(msg["Auto-Submitted"], "auto-generated")
        self.assertIn(ticket.number, msg["Subject"])

    def _inbound_reply(self, key, body):
        """Anna answers the ticket by mail, her boss in Cc; returns who got it."""
        self.ticket.message_post(
            body="Opened", message_type="comment", subtype_xmlid="mail.mt_comment",
            message_id=f"<smtp-thread-{key}@support.example.com>",
        )  # fmt: skip
        raw = (
            "From: Anna Rossi <anna@acme.example>\r\n"
            "To: helpdesk@support.example.com\r\n"
            "Cc: Boss <boss@acme.example>\r\n"
            "Subject: Re: Printer broken\r\n"
            f"Message-ID: <anna-reply-{key}@acme.example>\r\n"
            f"In-Reply-To: <smtp-thread-{key}@support.example.com>\r\n"
            "Date: Tue, 01 Dec 2026 09:00:00 +0100\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{body}\r\n"
        ).encode()
        with self._deliver():
            gateway = self.env["mail.thread"].with_context(mail_notify_force_send=False)
            self.assertEqual(gateway.message_process(False, raw), self.ticket.id)
        return self._rcpts()

    def test_inbound_reply_only_new_addresses(self):
        """A customer's reply is relayed to the followers, except those who were
        already To/Cc of that mail; the sender never gets it back."""
        Partner = self.env["res.partner"]
        boss = Partner.create({"name": "Boss", "email": "boss@acme.example"})
        colleague = Partner.create({"name": "Colleague", "email": "col@acme.example"})
        self.ticket.message_subscribe(
            partner_ids=(boss | colleague | self.customer_contact).ids
        )
        rcpts = self._inbound_reply(1, "It prints again, thanks.")
        self.assertIn("col@acme.example", rcpts)
        self.assertNotIn("boss@acme.example", rcpts)
        self.assertNotIn("anna@acme.example", rcpts)

    def test_inbound_reply_settings_off(self):
        """Without "notify only new addresses", the Cc'd follower gets it too."""
        self.company.support_notify_only_new = False
        boss = self.env["res.partner"].create(
            {"name": "Boss", "email": "boss@acme.example"}
        )
        self.ticket.message_subscribe(partner_ids=boss.ids)
        self.assertIn("boss@acme.example", self._inbound_reply(2, "Still broken."))

    def test_extra_notify_emails_delivered(self):
        """The ticket's extra notification emails get its public replies from
        the ticket's server, with the footer and the update details; not
        when they were already To/Cc of the customer's mail."""
        self.env["support.notification.rule"].create(
            {"name": "extra", "event": "reply", "notify_extra": True}
        )
        self.ticket.extra_notify_emails = "it@acme.example, boss@acme.example"
        self._post()
        self.assertEqual(
            sorted(self._rcpts()),
            ["anna@acme.example", "boss@acme.example", "it@acme.example"],
        )
        received = dict(
            (rcpts[0], msg) for rcpts, msg in self.collectors["team"].received
        )
        msg = received["it@acme.example"]
        self.assertIn("it@acme.example", msg["To"])
        self.assertNotIn("boss@acme.example", msg["To"], "one mail per address")
        self.assertEqual(msg["X-Support-Desk-Ticket"], self.ticket.number)
        self.assertTrue(msg["Subject"].startswith(f"[{self.ticket.number}]"))
        html = msg.get_body(("html",)).get_content()
        for text in ("We replaced the toner", "Informativa privacy", "Ticket ID",
                     self.ticket.number, "ACME Srl"):  # fmt: skip
            self.assertIn(text, html)
        self.assertFalse(
            self.env["res.partner"].search([("email", "=", "it@acme.example")])
        )
        rcpts = self._inbound_reply(3, "Thanks, it works.")
        self.assertIn("it@acme.example", rcpts)
        self.assertNotIn("boss@acme.example", rcpts, "already Cc of the mail")
