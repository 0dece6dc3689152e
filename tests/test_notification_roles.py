from odoo.tests import HttpCase, new_test_user, tagged

from .common import JsonRpcMixin, SupportDeskCommon


@tagged("post_install", "-at_install")
class TestNotificationInChargeAndAck(SupportDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["support.notification.rule"].search([]).active = False
        cls.in_charge = new_test_user(
            cls.env,
            login="sd_in_charge",
            groups="support_desk.group_support_agent",
            name="Agent In Charge",
            email="in.charge@example.com",
        )
        cls.team_a.member_ids |= cls.in_charge
        cls.ticket = cls._create_ticket(
            team_id=cls.team_a.id,
            partner_contact_id=cls.customer_contact.id,
            user_id=cls.agent.id,
            in_charge_user_id=cls.in_charge.id,
        )
        # Only a rule may tell the agent in charge, not following the ticket.
        cls.ticket.message_unsubscribe(partner_ids=cls.in_charge.partner_id.ids)

    def _reply_mails(self):
        """The mails a manager's public reply makes (kept: not sent at once)."""
        before = self.env["mail.mail"].search([])
        self.ticket.with_user(self.manager).with_context(
            mail_notify_force_send=False
        ).message_post(
            body="Here is the fix",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        return self.env["mail.mail"].search([]) - before

    def test_in_charge_role(self):
        self.assertNotIn(self.in_charge.partner_id, self.ticket.message_partner_ids)
        mails = self._reply_mails()
        self.assertNotIn(self.in_charge.partner_id, mails.recipient_ids, "no rule")
        rule = self.env["support.notification.rule"].create(
            {
                "name": "Tell who is in charge",
                "event": "reply",
                "notify_in_charge": True,
            }
        )
        self.assertEqual(rule._get_partners(self.ticket), self.in_charge.partner_id)
        mails = self._reply_mails()
        told = mails.filtered(lambda m: self.in_charge.partner_id in m.recipient_ids)
        self.assertEqual(len(told), 1, "the agent in charge gets the reply once")
        self.assertIn("Here is the fix", told.body_html)
        # The role is the agent in charge, not the assignee nor the customer.
        self.assertNotIn(self.customer_contact, told.recipient_ids)
        self.ticket.in_charge_user_id = self.agent_b
        self.ticket.message_unsubscribe(partner_ids=self.agent_b.partner_id.ids)
        mails = self._reply_mails()
        self.assertIn(self.agent_b.partner_id, mails.recipient_ids)
        self.assertNotIn(self.in_charge.partner_id, mails.recipient_ids)

    def _acks(self, email):
        self._run_creation_queue()
        before = self.env["mail.mail"].search([])
        ticket = self.env["support.ticket"].create(
            {"name": "Help", "channel": "email", "email_from": email}
        )
        self._run_creation_queue()
        acks = (self.env["mail.mail"].search([]) - before).filtered(
            lambda m: m.email_to == email
        )
        return ticket, acks

    def test_acknowledgement_setting(self):
        self.company.support_notify_on_open = False
        __, acks = self._acks("off@example.com")
        self.assertFalse(acks, "acknowledgement turned off")
        self.company.support_notify_on_open = True
        ticket, acks = self._acks("on@example.com")
        self.assertEqual(len(acks), 1, "acknowledgement turned on")
        self.assertEqual(acks.subject, f"[{ticket.number}] {ticket.name}")
        self.assertIn(ticket.access_token, acks.body_html)


@tagged("post_install", "-at_install")
class TestNotificationRuleRights(JsonRpcMixin, SupportDeskCommon, HttpCase):
    """Agents read the notification rules, managers change them (JSON-RPC)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.env["support.notification.rule"].create(
            {"name": "Tell the customer", "event": "reply", "notify_customer": True}
        )

    def _snapshot(self):
        self.env.invalidate_all()
        Rule = self.env["support.notification.rule"].with_context(active_test=False)
        return Rule.search([]).read(["name", "notify_customer", "active"])

    def test_agents_read_only(self):
        before = self._snapshot()
        for user in (self.agent, self.ticket_admin):
            answer = self._rpc(
                user,
                "support.notification.rule",
                "search_read",
                [("id", "=", self.rule.id)],
                ["name", "notify_customer"],
            )
            self.assertEqual(answer["result"][0]["name"], "Tell the customer")
            attempts = (
                ("write", [self.rule.ids, {"notify_customer": False}], "modify"),
                ("create", [{"name": "Mine", "event": "create"}], "create"),
                ("unlink", [self.rule.ids], "delete"),
            )
            for method, args, verb in attempts:
                answer = self._rpc(user, "support.notification.rule", method, *args)
                self.assertRpcRefused(answer, message=f"not allowed to {verb}")
                self.assertIn(
                    "support.notification.rule", answer["error"]["data"]["message"]
                )
            self.assertEqual(self._snapshot(), before, user.login)
        for user in (self.employee, self.portal_user):
            answer = self._rpc(
                user, "support.notification.rule", "search_read", [], ["name"]
            )
            self.assertRpcRefused(answer, message="not allowed to access")
            answer = self._rpc(
                user,
                "support.notification.rule",
                "write",
                self.rule.ids,
                {"notify_customer": False},
            )
            self.assertRpcRefused(answer)
        self.assertEqual(self._snapshot(), before)

    def test_managers_write(self):
        answer = self._rpc(
            self.manager,
            "support.notification.rule",
            "write",
            self.rule.ids,
            {"notify_customer": False, "notify_in_charge": True},
        )
        self.assertIs(answer.get("result"), True, answer)
        self.assertFalse(self.rule.notify_customer)
        self.assertTrue(self.rule.notify_in_charge)
        answer = self._rpc(
            self.manager,
            "support.notification.rule",
            "create",
            {"name": "Tell the team", "event": "create", "notify_team": True},
        )
        created = self.env["support.notification.rule"].browse(answer["result"])
        self.assertEqual(created.name, "Tell the team")
        answer = self._rpc(
            self.manager, "support.notification.rule", "unlink", created.ids
        )
        self.assertIs(answer.get("result"), True, answer)
        self.assertFalse(created.exists())
