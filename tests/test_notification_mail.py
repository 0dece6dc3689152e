import re

from odoo import tools
from odoo.tests import HttpCase, tagged

from .common import JsonRpcMixin, SupportDeskCommon, SupportMailCommon

FOOTER = "<p>Informativa privacy</p>"


class NotificationMailCommon(SupportDeskCommon):
    """Only the rules a test creates; a team server and a legal footer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["support.notification.rule"].search([]).active = False
        cls.Rule = cls.env["support.notification.rule"]
        cls.server = cls.env["ir.mail_server"].create(
            {"name": "Team server", "smtp_host": "localhost", "smtp_port": 2525}
        )
        cls.team_a.mail_server_id = cls.server
        cls.company.support_mail_footer = FOOTER
        cls.type_billing = cls.env["support.ticket.type"].create(
            {"name": "Wrong Billing"}
        )
        cls.ticket_admin.support_assign_team_ids = cls.team_a

    def _new_mails(self, before):
        return self.env["mail.mail"].search([]) - before

    def _reply(self, ticket, subtype="mail.mt_comment", **kwargs):
        before = self.env["mail.mail"].search([])
        ticket.with_user(self.agent).with_context(
            mail_notify_force_send=False
        ).message_post(
            body="We replaced the toner", message_type="comment",
            subtype_xmlid=subtype, **kwargs,
        )  # fmt: skip
        return self._new_mails(before)


@tagged("post_install", "-at_install")
class TestExtraNotifyEmails(NotificationMailCommon):
    """The ticket's extra notification emails get what the rules say, as plain
    addresses (no partner), within the blacklists and opt-outs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.support_notify_blacklist = "spam.example"
        cls.ticket = cls._create_ticket(
            name="Printer broken",
            team_id=cls.team_a.id,
            partner_contact_id=cls.customer_contact.id,
            user_id=cls.agent.id,
            extra_notify_emails="it@acme.example, boss@acme.example, x@spam.example",
        )

    def _extra(self, mails):
        return mails.filtered(lambda m: not m.recipient_ids)

    def _no_partner_for_them(self):
        self.assertFalse(
            self.env["res.partner"]
            .with_context(active_test=False)
            .search(
                [
                    ("email", "ilike", "@acme.example"),
                    ("email", "!=", "anna@acme.example"),
                ]
            ),
            "no partner is created for the extra addresses",
        )

    def test_creation_notice(self):
        self.Rule.create({"name": "c", "event": "create", "notify_assignee": True})
        self._run_creation_queue()
        before = self.env["mail.mail"].search([])
        ticket = self._create_ticket(
            team_id=self.team_a.id,
            user_id=self.agent.id,
            extra_notify_emails="it@acme.example",
        )
        self._run_creation_queue()
        self.assertFalse(self._extra(self._new_mails(before)), "no rule names them")
        rule = self.Rule.create({"name": "x", "event": "create", "notify_extra": True})
        self.ticket.sudo().creation_mail_pending = True
        before = self.env["mail.mail"].search([])
        self._run_creation_queue()
        mails = self._extra(self._new_mails(before))
        self.assertEqual(
            sorted(mails.mapped("email_to")), ["boss@acme.example", "it@acme.example"]
        )
        for mail in mails:
            self.assertEqual(mail.res_id, self.ticket.id)
            self.assertIn("New ticket", mail.subject)
            self.assertIn("Informativa privacy", mail.body_html)
            self.assertEqual(mail.mail_server_id, self.server)
            self.assertIn("X-Support-Desk-Ticket", mail.headers)
            self.assertNotIn("/mail/view", mail.body_html, "no back-end link")
        self._no_partner_for_them()
        self.assertIn(rule, self.Rule._search_rules("create"))
        # the ticket does not mail outside: nothing
        ticket.write({"support_notify": False})
        ticket.sudo().creation_mail_pending = True
        before = self.env["mail.mail"].search([])
        self._run_creation_queue()
        self.assertFalse(self._extra(self._new_mails(before)))

    def test_public_reply_and_stage_change(self):
        self.Rule.create({"name": "r", "event": "reply", "notify_extra": True})
        mails = self._extra(self._reply(self.ticket))
        self.assertEqual(
            sorted(mails.mapped("email_to")), ["boss@acme.example", "it@acme.example"]
        )
        mail = mails[0]
        self.assertTrue(mail.subject.startswith(f"[{self.ticket.number}]"))
        self.assertIn("We replaced the toner", mail.body_html)
        self.assertIn("Informativa privacy", mail.body_html)
        self.assertIn(self.ticket.number, mail.body_html)
        self.assertEqual(mail.mail_server_id, self.server)
        self.assertIn("X-Support-Desk-Ticket", mail.headers)
        self.assertNotIn("access_token", mail.body_html, "no portal link")
        self._no_partner_for_them()
        # internal notes never leave
        self.assertFalse(self._extra(self._reply(self.ticket, "mail.mt_note")))
        # a stage change (tracked once the creation's transaction is over)
        self.env.flush_all()
        self.env.cr.precommit.run()
        before = self.env["mail.mail"].search([])
        self.assertNotEqual(self.ticket.stage_id, self.stage_hold)
        self.ticket.with_context(
            mail_notify_force_send=False
        ).stage_id = self.stage_hold
        self.env.flush_all()
        self.env.cr.precommit.run()  # the tracking messages
        self.assertEqual(
            sorted(self._extra(self._new_mails(before)).mapped("email_to")),
            ["boss@acme.example", "it@acme.example"],
        )
        # the ticket does not mail outside
        self.ticket.support_notify = False
        self.assertFalse(self._extra(self._reply(self.ticket)))

    def test_reply_without_rule_or_to_the_sender(self):
        self.assertFalse(self._extra(self._reply(self.ticket)), "no rule names them")
        self.Rule.create({"name": "r", "event": "reply", "notify_extra": True})
        mails = self._extra(self._reply(self.ticket, email_from="it@acme.example"))
        self.assertEqual(mails.mapped("email_to"), ["boss@acme.example"])
        # an address that is also a notified partner gets one mail, not two
        self.Rule.create({"name": "c", "event": "reply", "notify_customer": True})
        self.ticket.extra_notify_emails = "anna@acme.example, it@acme.example"
        mails = self._reply(self.ticket)
        self.assertIn(self.customer_contact, mails.recipient_ids)
        self.assertEqual(self._extra(mails).mapped("email_to"), ["it@acme.example"])
        # the opt-out of automated mail
        mails = self._extra(
            self._reply(self.ticket.with_context(support_mail_automated=True))
        )
        self.assertFalse(mails)


@tagged("post_install", "-at_install")
class TestTicketMailContent(NotificationMailCommon):
    """The seed's mails: "Nuovo Ticket TIPO" with Cliente, Tipo, Aperto da,
    Note; updates with Mittente, Data, Cliente, ID above the message."""

    def _notice_mail(self, ticket):
        notices = self.env["mail.message"].search(
            [
                ("model", "=", "support.ticket"),
                ("res_id", "=", ticket.id),
                ("message_type", "=", "user_notification"),
            ]
        )
        return self.env["mail.mail"].search([("mail_message_id", "in", notices.ids)])

    def test_opening_notice(self):
        self.Rule.create({"name": "c", "event": "create", "notify_assignee": True})
        self.agent.notification_type = "email"
        self._run_creation_queue()
        ticket = (
            self.env["support.ticket"]
            .with_user(self.ticket_admin)
            .create(
                {
                    "name": "Invoice 42 is wrong",
                    "team_id": self.team_a.id,
                    "partner_id": self.customer.id,
                    "type_id": self.type_billing.id,
                    "user_id": self.agent.id,
                    "description": "<p>The VAT is missing</p>",
                }
            )
        )
        self._run_creation_queue()
        mail = self._notice_mail(ticket)
        self.assertEqual(len(mail), 1)
        self.assertTrue(mail.subject.startswith("New ticket Wrong Billing: "))
        self.assertIn(ticket.number, mail.subject)
        body = mail.body_html
        for text in (
            "Customer: ACME Srl",
            "Type: Wrong Billing",
            "Opened by: Ticket Admin",
            "The VAT is missing",
            "Informativa privacy",
        ):
            self.assertIn(text, body)
        self.assertEqual(mail.mail_server_id, self.server)
        # without a type
        untyped = self._create_ticket(team_id=self.team_a.id, user_id=self.agent.id)
        self._run_creation_queue()
        self.assertTrue(self._notice_mail(untyped).subject.startswith("New ticket: "))

    def test_update_mail_header(self):
        self.Rule.create({"name": "c", "event": "reply", "notify_customer": True})
        ticket = self._create_ticket(
            team_id=self.team_a.id, partner_contact_id=self.customer_contact.id
        )
        mail = self._reply(ticket).filtered(
            lambda m: self.customer_contact in m.recipient_ids
        )
        self.assertEqual(len(mail), 1)
        body = mail.body_html
        self.assertIn("support_update_info", body)
        for text in ("Sender:", "Agent A", "Date:", "Customer:", "ACME Srl",
                     "Ticket ID:", ticket.number):  # fmt: skip
            self.assertIn(text, body)
        # above the message
        self.assertLess(
            body.index("support_update_info"), body.rindex("We replaced the toner")
        )
        self.assertIn("Informativa privacy", body)


@tagged("post_install", "-at_install")
class TestFooterAndServerEverywhere(NotificationMailCommon):
    """Every mail about a ticket carries the legal footer and leaves through
    the ticket's server, else its team's."""

    def test_acknowledgements(self):
        self.company.support_notify_on_open = True
        self._run_creation_queue()
        before = self.env["mail.mail"].search([])
        ticket = self._create_ticket(
            team_id=self.team_a.id, channel="email", email_from="joe@example.com"
        )
        self._run_creation_queue()
        ack = self._new_mails(before).filtered(
            lambda m: m.email_to == "joe@example.com"
        )
        self.assertEqual(len(ack), 1)
        self.assertIn("Informativa privacy", ack.body_html)
        self.assertEqual(ack.mail_server_id, self.server)
        # the web form's acknowledgement (its mail template)
        own = self.server.copy({"name": "Ticket server"})
        web = self._create_ticket(
            team_id=self.team_a.id, email_from="web@example.com", mail_server_id=own.id
        )
        before = self.env["mail.mail"].search([])
        web._support_send_web_acknowledgement()
        ack = self._new_mails(before)
        self.assertEqual(ack.email_to, "web@example.com")
        self.assertIn("Informativa privacy", ack.body_html)
        self.assertEqual(ack.mail_server_id, own)
        self.assertIn(web.access_token, ack.body_html)
        self.assertNotEqual(ticket, web)

    def test_digest_of_notices(self):
        """Several notices for one recipient in a run: one digest, with the
        footer and the server the tickets share."""
        self.Rule.create({"name": "c", "event": "create", "notify_assignee": True})
        self.agent.notification_type = "email"
        self._run_creation_queue()
        before = self.env["mail.mail"].search([])
        self.env["support.ticket"].create(
            [
                {"name": f"Ticket {n}", "team_id": self.team_a.id,
                 "user_id": self.agent.id}
                for n in range(2)
            ]
        )  # fmt: skip
        self._run_creation_queue()
        digest = self._new_mails(before).filtered(
            lambda m: self.agent.partner_id in m.recipient_ids
        )
        self.assertEqual(len(digest), 1)
        self.assertIn("2 new tickets", digest.subject)
        self.assertIn("Informativa privacy", digest.body_html)
        self.assertEqual(digest.mail_server_id, self.server)


@tagged("post_install", "-at_install")
class TestNotifyOnlyNewOnOpening(SupportMailCommon):
    """Who was already To/Cc of the mail that opened a ticket gets neither the
    creation notice nor the acknowledgement of it (Settings: Notify Only New)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["support.notification.rule"].search([]).active = False
        cls.env["support.notification.rule"].create(
            {"name": "c", "event": "create", "notify_team": True}
        )
        cls.ticket_admin.write(
            {
                "email": "admin@desk.example",
                "notification_type": "email",
                "support_assign_team_ids": [(6, 0, cls.team_a.ids)],
            }
        )
        cls.company.support_notify_on_open = True

    def _open_by_mail(self, key, cc):
        raw = (
            "From: Anna Rossi <anna@acme.example>\r\n"
            "To: helpdesk@support.example.com\r\n"
            f"Cc: {cc}\r\n"
            f"Subject: Printer {key}\r\n"
            f"Message-ID: <open-{key}@acme.example>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "It does not print.\r\n"
        )
        self._run_creation_queue()
        before = self.env["mail.mail"].search([])
        ticket = self.env["support.ticket"].browse(self._process(raw))
        self._run_creation_queue()
        mails = self.env["mail.mail"].search([]) - before
        return ticket, mails

    def _notified(self, mails):
        return {
            tools.email_normalize(email)
            for email in mails.recipient_ids.mapped("email") + mails.mapped("email_to")
            if email
        }

    def test_only_new_addresses(self):
        ticket, mails = self._open_by_mail(1, "admin@desk.example, anna@acme.example")
        self.assertEqual(ticket.team_id, self.team_a)
        notified = self._notified(mails)
        self.assertNotIn("admin@desk.example", notified)
        self.assertNotIn("anna@acme.example", notified, "no acknowledgement")
        # not in Cc: both told
        _ticket, mails = self._open_by_mail(2, "other@acme.example")
        notified = self._notified(mails)
        self.assertIn("admin@desk.example", notified)
        self.assertIn("anna@acme.example", notified)

    def test_setting_off(self):
        self.company.support_notify_only_new = False
        _ticket, mails = self._open_by_mail(3, "admin@desk.example, anna@acme.example")
        notified = self._notified(mails)
        self.assertIn("admin@desk.example", notified)
        self.assertIn("anna@acme.example", notified)


@tagged("post_install", "-at_install")
class TestManagerMailServer(JsonRpcMixin, SupportDeskCommon, HttpCase):
    """Helpdesk managers pick a ticket's outgoing server without reading the
    server's secrets; agents cannot set it."""

    SECRETS = ["smtp_user", "smtp_pass", "smtp_ssl_certificate", "smtp_ssl_private_key"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.env["ir.mail_server"].create(
            {
                "name": "Customer SMTP",
                "smtp_host": "localhost",
                "smtp_user": "desk",
                "smtp_pass": "s3cret-pass",
            }
        )
        cls.ticket = cls._create_ticket(team_id=cls.team_a.id)

    def test_manager_picks_the_server(self):
        found = self._rpc(
            self.manager, "ir.mail_server", "name_search", name="Customer"
        )
        self.assertEqual(found["result"][0][0], self.server.id)
        answer = self._rpc(
            self.manager, "support.ticket", "web_save", [self.ticket.id],
            {"mail_server_id": self.server.id},
            specification={"mail_server_id": {"fields": {"display_name": {}}}},
        )  # fmt: skip
        self.assertEqual(
            answer["result"][0]["mail_server_id"]["display_name"], "Customer SMTP"
        )
        self.assertEqual(self.ticket.mail_server_id, self.server)
        readable = self._rpc(
            self.manager, "ir.mail_server", "read", [self.server.id],
            ["name", "smtp_host"],
        )  # fmt: skip
        self.assertEqual(readable["result"][0]["smtp_host"], "localhost")

    def test_every_secret_field_is_for_administrators(self):
        """What managers may not read is what Odoo (and its mail connectors)
        keep to system administrators: every credential field."""
        secret = re.compile(r"pass|user|token|key|certificate|authorization_code")
        fields = self.env["ir.mail_server"]._fields
        names = {name for name in fields if secret.search(name)}
        self.assertLessEqual(set(self.SECRETS), names)
        for name in names:
            self.assertIn("base.group_system", fields[name].groups or "", name)

    def test_manager_reads_no_secret(self):
        for field in self.SECRETS:
            for method, args, kwargs in (
                ("read", [[self.server.id], [field]], {}),
                ("search_read", [[("id", "=", self.server.id)], [field]], {}),
                ("web_read", [[self.server.id]], {"specification": {field: {}}}),
            ):
                answer = self._rpc(
                    self.manager, "ir.mail_server", method, *args, **kwargs
                )
                self.assertRpcRefused(answer)
                self.assertNotIn("s3cret", str(answer))
        for method in ("write", "create", "unlink"):
            args = {
                "write": [[self.server.id], {"smtp_host": "evil.example"}],
                "create": [{"name": "Mine"}],
                "unlink": [[self.server.id]],
            }[method]
            self.assertRpcRefused(
                self._rpc(self.manager, "ir.mail_server", method, *args)
            )
        self.assertEqual(self.server.smtp_host, "localhost")

    def test_agent_cannot_set_it(self):
        answer = self._rpc(
            self.agent, "support.ticket", "write", [self.ticket.id],
            {"mail_server_id": self.server.id},
        )  # fmt: skip
        self.assertRpcRefused(answer, message="Only helpdesk managers")
        self.assertFalse(self.ticket.mail_server_id)
        self.assertRpcRefused(
            self._rpc(self.agent, "ir.mail_server", "read", [self.server.id], ["name"])
        )

    def test_agent_reads_team_and_replies_through_its_server(self):
        """The team's server is for managers to see; an agent still opens the
        team and replies on its tickets through that server."""
        self.team_a.mail_server_id = self.server
        form = self._rpc(
            self.agent, "support.team", "web_read", [self.team_a.id],
            specification={"name": {}, "member_ids": {}},
        )  # fmt: skip
        self.assertEqual(form["result"][0]["name"], self.team_a.name)
        self.assertRpcRefused(
            self._rpc(
                self.agent, "support.team", "read", [self.team_a.id],
                ["mail_server_id"],
            )
        )  # fmt: skip
        views = self._rpc(self.agent, "support.team", "get_views", [[False, "form"]])
        self.assertNotIn("mail_server_id", views["result"]["views"]["form"]["arch"])
        self.ticket.partner_contact_id = self.customer_contact
        message = (
            self.ticket.with_user(self.agent)
            .with_context(mail_notify_force_send=False)
            .message_post(
                body="Fixed.", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        )
        mails = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertTrue(mails)
        self.assertEqual(mails.mail_server_id, self.server)
