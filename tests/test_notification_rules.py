from odoo.tests import tagged

from .common import SupportDeskCommon


@tagged("post_install", "-at_install")
class TestNotificationRules(SupportDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["support.notification.rule"].search([]).active = False
        cls.Rule = cls.env["support.notification.rule"]
        cls.mail_server = cls.env["ir.mail_server"].create(
            {"name": "Team server", "smtp_host": "localhost", "smtp_port": 2525}
        )
        cls.ticket = cls.env["support.ticket"].create(
            {
                "name": "Printer broken",
                "team_id": cls.team_a.id,
                "partner_id": cls.customer.id,
                "partner_contact_id": cls.customer_contact.id,
                "user_id": cls.agent.id,
                "channel": "email",
            }
        )

    def test_default_reply_rule_as_the_seed_says(self):
        """A public reply goes to the customer contact, the ticket's creator and
        its assignee (the seed), not only to whoever follows."""
        rule = self.env.ref("support_desk.support_notification_rule_reply_customer")
        opener = self.employee
        self.ticket.sudo().opened_by_id = opener
        rule.active = True
        self.assertEqual(
            rule._get_partners(self.ticket),
            self.customer_contact | opener.partner_id | self.agent.partner_id,
        )

    def _rule(self, **vals):
        return self.Rule.create(dict({"name": "r", "event": "reply"}, **vals))

    def test_rule_matrix_roles(self):
        expected = {
            "notify_opener": self.ticket.opened_by_id.partner_id,
            "notify_assignee": self.agent.partner_id,
            "notify_customer": self.customer_contact,
            "notify_followers": self.ticket.message_partner_ids,
        }
        for role, partners in expected.items():
            rule = self._rule(**{role: True})
            self.assertEqual(rule._get_partners(self.ticket), partners, role)
            rule.active = False
        rule = self._rule(extra_emails="boss@example.org")
        self.assertEqual(rule._get_partners(self.ticket).email, "boss@example.org")

    def test_rule_matrix_events_origins(self):
        for event in ("create", "reply"):
            for channel in ("manual", "portal", "email", "phone", "web"):
                rule = self._rule(event=event, channel=channel)
                matched = self.Rule._search_rules(event)._filter_ticket(self.ticket)
                self.assertEqual(
                    rule in matched, channel == "email", f"{event}/{channel}"
                )
                other = "reply" if event == "create" else "create"
                self.assertNotIn(rule, self.Rule._search_rules(other))
                rule.active = False
        any_rule = self._rule(event="create")
        self.assertIn(
            any_rule, self.Rule._search_rules("create")._filter_ticket(self.ticket)
        )
        team_rule = self._rule(team_id=self.team_b.id)
        self.assertNotIn(
            team_rule, self.Rule._search_rules("reply")._filter_ticket(self.ticket)
        )

    def test_rule_unassigned_only(self):
        rule = self._rule(event="create", notify_team=True, unassigned_only=True)
        self.assertNotIn(rule, rule._filter_ticket(self.ticket))
        unassigned = self._create_ticket(team_id=self.team_b.id)
        self.assertIn(rule, rule._filter_ticket(unassigned))
        # Team B has no scoped ticket administrator: the managers are told.
        partners = rule._get_partners(unassigned)
        self.assertIn(self.manager.partner_id, partners)
        self.assertNotIn(self.ticket_admin.partner_id, partners)

    def test_never_notify_sender_setting(self):
        self.ticket.email_from = self.customer_contact.email
        partners = self.customer_contact | self.agent.partner_id
        kept = self.ticket._support_filter_partners(
            partners, sender="anna@acme.example"
        )
        self.assertEqual(kept, self.agent.partner_id)
        self.company.support_never_notify_sender = False
        kept = self.ticket._support_filter_partners(
            partners, sender="anna@acme.example"
        )
        self.assertEqual(kept, partners)

    def test_blacklist(self):
        self.company.support_notify_blacklist = "spam.com, nope@example.org"
        self.company.support_ack_blacklist = "@noreply.example.com"
        check = self.ticket._support_is_blacklisted
        self.assertTrue(check("a@spam.com"))
        self.assertTrue(check("Nope <NOPE@example.org>"))
        self.assertFalse(check("ok@example.org"))
        self.assertFalse(check("x@noreply.example.com", "notify"))
        self.assertTrue(check("x@noreply.example.com", "ack"))
        self.assertTrue(check("a@spam.com", "ack"))
        self.assertFalse(check("not an address"))

    def _reply_mails(self, **kwargs):
        before = self.env["mail.mail"].search([])
        # no immediate send: sent mails would be auto-deleted before we look
        self.ticket.with_user(self.agent).with_context(
            mail_notify_force_send=False
        ).message_post(body="Here is the fix", message_type="comment", **kwargs)
        return self.env["mail.mail"].search([]) - before

    def test_reply_reaches_customer_with_reference(self):
        self._rule(notify_customer=True)
        self.team_a.mail_server_id = self.mail_server
        self.company.support_mail_footer = "<p>Privacy notice</p>"
        mails = self._reply_mails(subtype_xmlid="mail.mt_comment")
        self.assertIn(self.customer_contact, mails.recipient_ids)
        mail = mails.filtered(lambda m: self.customer_contact in m.recipient_ids)
        self.assertTrue(mail.subject.startswith(f"[{self.ticket.number}]"))
        self.assertEqual(mail.mail_server_id, self.mail_server)
        self.assertIn("X-Support-Desk-Ticket", mail.headers)
        self.assertIn("Privacy notice", mail.body_html)
        # the ticket's own server wins over the team's
        own = self.mail_server.copy({"name": "Ticket server"})
        self.ticket.mail_server_id = own
        mails = self._reply_mails(subtype_xmlid="mail.mt_comment")
        self.assertEqual(mails.mail_server_id, own)

    def test_note_and_toggle_and_blacklist_reach_nobody_outside(self):
        """Each refusal next to what is delivered in the same set-up."""
        self._rule(notify_customer=True)
        mails = self._reply_mails(subtype_xmlid="mail.mt_comment")
        self.assertIn(self.customer_contact, mails.recipient_ids, "delivered")
        mentioned = self.customer_contact | self.agent_b.partner_id
        mails = self._reply_mails(
            subtype_xmlid="mail.mt_note", partner_ids=mentioned.ids
        )
        self.assertEqual(mails.recipient_ids, self.agent_b.partner_id)
        self.ticket.support_notify = False
        mails = self._reply_mails(subtype_xmlid="mail.mt_comment")
        self.assertNotIn(self.customer_contact, mails.recipient_ids)
        self.ticket.support_notify = True
        self.company.support_notify_blacklist = self.customer_contact.email
        mails = self._reply_mails(subtype_xmlid="mail.mt_comment")
        self.assertNotIn(self.customer_contact, mails.recipient_ids)
        self.company.support_notify_blacklist = False
        mails = self._reply_mails(subtype_xmlid="mail.mt_comment")
        self.assertIn(self.customer_contact, mails.recipient_ids, "delivered again")

    def test_acknowledgement(self):
        self.company.support_notify_on_open = True
        self.company.support_ack_blacklist = "blocked.example.com"
        Mail = self.env["mail.mail"]
        self._run_creation_queue()
        before = Mail.search([])
        ticket = self.env["support.ticket"].create(
            {"name": "Help", "channel": "email", "email_from": "joe@example.com"}
        )
        self.env["support.ticket"].create(
            {"name": "Help", "channel": "email", "email_from": "x@blocked.example.com"}
        )
        self.env["support.ticket"].with_context(support_mail_automated=True).create(
            {"name": "Auto", "channel": "email", "email_from": "bot@example.com"}
        )
        self.env["support.ticket"].create(
            {"name": "Manual", "channel": "manual", "email_from": "man@example.com"}
        )
        self.assertFalse(Mail.search([]) - before, "the queue sends them")
        self._run_creation_queue()
        acks = Mail.search([("email_to", "!=", False)]) - before
        self.assertEqual(acks.mapped("email_to"), ["joe@example.com"])
        self.assertIn(ticket.number, acks.subject)
        self.assertIn("Auto-Submitted", acks.headers)
        self.assertIn(ticket.access_token, acks.body_html)
