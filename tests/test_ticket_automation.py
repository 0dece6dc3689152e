from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .test_sla import SupportSlaCommon, rome


@tagged("post_install", "-at_install")
class TestTicketAutomation(SupportSlaCommon):
    """The shipped time-based rules: inactive, and what each does once on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_a.sla_policy_id = cls.policy
        cls.team_a.user_id = cls.manager
        cls.customer_contact.email = "anna@acme.example"
        cls.remind = cls.env.ref("support_desk.base_automation_ticket_remind_customer")
        cls.close = cls.env.ref("support_desk.base_automation_ticket_close_no_answer")
        cls.reopened = cls.env.ref("support_desk.base_automation_ticket_reopened")

    def _waiting_ticket(self, when, **vals):
        ticket = self._ticket_at(
            when, partner_contact_id=self.customer_contact.id, **vals
        )
        ticket.message_subscribe(partner_ids=self.customer_contact.ids)
        with freeze_time(when):
            ticket.with_user(self.agent).action_pause_sla()
            # The date is computed when written: while the clock is frozen.
            self.env.flush_all()
        return ticket

    def _run(self, rule, tickets):
        """The rule's action, as the automation runs it on `tickets`."""
        rule.action_server_ids.with_context(
            active_model="support.ticket", active_ids=tickets.ids
        ).run()

    def test_shipped_inactive(self):
        rules = self.remind | self.close | self.reopened
        self.assertEqual(rules.mapped("active"), [False] * 3)
        self.assertEqual(self.remind.trg_date_id.name, "waiting_since")
        self.assertEqual(self.close.trg_date_id.name, "customer_reminded_date")
        self.assertEqual(
            (self.remind | self.close).mapped("trg_date_range_type"), ["day"] * 2
        )
        self.assertEqual(self.reopened.trigger_field_ids.name, "reopen_count")

    def test_waiting_since_follows_the_pause(self):
        ticket = self._waiting_ticket(rome("2026-11-20 10:00"))
        self.assertEqual(ticket.waiting_since, rome("2026-11-20 10:00"))
        ticket.message_post(
            body="Here is the log",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=self.customer_contact.id,
        )
        self.assertFalse(ticket.sla_paused_until_reply)
        self.assertFalse(ticket.waiting_since)
        with self.assertRaises(AccessError):
            ticket.with_user(self.agent).write({"waiting_since": "2026-01-01 00:00:00"})

    def test_remind_action(self):
        waiting = self._waiting_ticket(rome("2026-11-20 10:00"))
        answered = self._ticket_at(rome("2026-11-20 10:00"))
        self._run(self.remind, waiting | answered)
        reminder = waiting.message_ids[0]
        self.assertIn(waiting.number, reminder.body)
        self.assertIn("waiting for your answer", reminder.body)
        self.assertFalse(reminder.subtype_id.internal)
        self.assertIn(self.customer_contact, reminder.notified_partner_ids)
        self.assertTrue(waiting.customer_reminded_date)
        self.assertNotIn(
            "waiting for your answer", " ".join(answered.message_ids.mapped("body"))
        )
        self.assertFalse(answered.customer_reminded_date)

    def test_remind_counts_the_teams_working_days(self):
        # The team's calendar has Monday and Tuesday off: from Friday, three
        # working days end on Thursday (Wednesday on the standard calendar).
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Closed",
                "calendar_id": self.calendar.id,
                "date_from": rome("2026-11-23 00:00"),
                "date_to": rome("2026-11-24 23:59"),
            }
        )
        ticket = self._waiting_ticket(rome("2026-11-20 10:00"))
        self.remind.active = True
        with freeze_time(rome("2026-11-25 12:00")):
            self.env["base.automation"]._check()
        self.assertFalse(ticket.customer_reminded_date)
        with freeze_time(rome("2026-11-27 12:00")):
            self.env["base.automation"]._check()
        self.assertEqual(ticket.customer_reminded_date, rome("2026-11-27 12:00"))

    def test_close_action_with_the_canned_reply(self):
        self.env["res.lang"]._activate_lang("it_IT")
        canned = self.env.ref("support_desk.mail_canned_response_closing_no_answer")
        canned.update_field_translations(
            "substitution", {"it_IT": "Chiudiamo il ticket per mancata risposta."}
        )
        self.customer_contact.lang = "it_IT"
        waiting = self._waiting_ticket(rome("2026-11-20 10:00"))
        answered = self._ticket_at(rome("2026-11-20 10:00"))
        self._run(self.close, waiting | answered)
        self.assertEqual(waiting.state, "done")
        closing = waiting.message_ids.filtered(
            lambda m: "mancata risposta" in (m.body or "")
        )
        self.assertTrue(closing)
        self.assertFalse(closing.subtype_id.internal)
        self.assertNotEqual(answered.state, "done")

    def test_third_reopen_warns_the_team_leader(self):
        self.reopened.active = True
        ticket = self._ticket_at(rome("2026-11-20 10:00"))
        todo = self.env.ref("mail.mail_activity_data_todo")

        def leader_todos():
            return ticket.activity_ids.filtered(
                lambda a: a.user_id == self.manager and a.activity_type_id == todo
            )

        for count in (1, 2, 3, 4):
            ticket.stage_id = self.stage_done
            ticket.stage_id = self.stage_progress
            self.assertEqual(ticket.reopen_count, count)
            self.assertEqual(len(leader_todos()), 0 if count < 3 else 1)
        self.assertIn("3", leader_todos().summary)
        with self.assertRaises(AccessError):
            ticket.with_user(self.agent).write({"reopen_count": 0})
