import base64

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import JsonRpcMixin
from .test_sla import SupportSlaCommon
from .test_tracking import TrackingCommon


class MergeCommon(SupportSlaCommon, TrackingCommon):
    """Two duplicates of ACME (mail, phone): the first has time and a running SLA."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_ticket = cls._create_ticket(name="Unrelated", team_id=cls.team_a.id)
        cls.by_mail = cls._create_ticket(
            name="Printer jammed (mail)",
            team_id=cls.team_a.id,
            priority_id=cls.medium.id,
            partner_contact_id=cls.customer_contact.id,
            related_ticket_ids=[(4, cls.other_ticket.id)],
            shared_user_ids=[(4, cls.employee.id)],
        )
        cls.by_phone = cls._create_ticket(
            name="Printer jammed (phone)",
            team_id=cls.team_a.id,
            priority_id=cls.medium.id,
        )
        cls.by_mail.message_subscribe(partner_ids=cls.customer_contact.ids)
        cls.by_mail.message_post(
            body="The printer shows E42",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=cls.customer_contact.id,
        )
        cls.attachment = cls.env["ir.attachment"].create(
            {
                "name": "jam.png",
                "datas": base64.b64encode(b"png"),
                "res_model": "support.ticket",
                "res_id": cls.by_mail.id,
            }
        )
        cls.line = cls._track(cls.by_mail, 1.5, user=cls.agent)

    def _merge(self, tickets, target, user=None):
        Wizard = self.env["support.ticket.merge"]
        if user:
            Wizard = Wizard.with_user(user)
        wizard = Wizard.with_context(
            active_model="support.ticket", active_ids=tickets.ids
        ).create({})
        wizard.target_ticket_id = target
        return wizard.action_merge()

    def _snapshot(self, tickets):
        self.env.invalidate_all()
        return [
            (t.stage_id, t.message_ids.ids, t.timesheet_ids.ids, t.sla_line_ids.ids)
            for t in tickets
        ]


@tagged("post_install", "-at_install")
class TestTicketMerge(MergeCommon):
    def test_merge_moves_everything_and_closes_the_duplicate(self):
        running = self.by_mail.sla_line_ids
        self.assertEqual(set(running.mapped("status")), {"ongoing"})
        own_sla = self.by_phone.sla_line_ids
        deadline = self.by_phone.sla_deadline
        moved_messages = self.by_mail.message_ids
        customer = self.customer_contact
        mails_before = self.env["mail.mail"].search_count(
            [("recipient_ids", "in", customer.ids)]
        )
        notified_before = self.env["mail.notification"].search_count(
            [("res_partner_id", "=", customer.id)]
        )

        action = self._merge(self.by_mail | self.by_phone, self.by_phone, self.agent)

        self.assertEqual(action["res_id"], self.by_phone.id)
        # The duplicate is closed and points to the ticket kept.
        self.assertEqual(self.by_mail.state, "cancelled")
        self.assertIn(self.by_phone.number, self.by_mail.closing_note)
        self.assertIn(self.by_phone.number, self.by_mail.message_ids[:1].body)
        self.assertEqual(self.by_mail.message_ids, self.by_mail.message_ids[:1])
        # Conversation, attachments, followers, time.
        self.assertLess(set(moved_messages.ids), set(self.by_phone.message_ids.ids))
        self.assertIn("E42", " ".join(self.by_phone.message_ids.mapped("body")))
        self.assertIn("Merged into this ticket", self.by_phone.message_ids[0].body)
        self.assertEqual(self.attachment.res_id, self.by_phone.id)
        self.assertIn(customer, self.by_phone.message_partner_ids)
        self.assertEqual(self.line.support_ticket_id, self.by_phone)
        self.assertEqual(self.by_phone.tracked_hours, 1.5)
        self.assertFalse(self.by_mail.timesheet_ids)
        # The running SLA stopped at the close and came as history: the ticket
        # kept runs on its own targets only.
        self.assertEqual(self.by_phone.sla_line_ids, own_sla)
        self.assertEqual(self.by_phone.sla_deadline, deadline)
        self.assertEqual(self.by_phone.sla_merged_line_ids, running)
        self.assertNotIn("ongoing", running.mapped("status"))
        self.assertFalse(any(running.mapped("next_due_date")))
        self.assertEqual(running.merged_from_ticket_id, self.by_mail)
        # Links and shares.
        self.assertIn(self.other_ticket, self.by_phone.related_ticket_ids)
        self.assertIn(self.by_mail, self.by_phone.related_ticket_ids)
        self.assertIn(self.by_phone, self.other_ticket.related_ticket_ids)
        self.assertEqual(self.by_mail.related_ticket_ids, self.by_phone)
        self.assertIn(self.employee, self.by_phone.shared_user_ids)
        # The customer got nothing for it.
        self.assertEqual(
            self.env["mail.mail"].search_count([("recipient_ids", "in", customer.ids)]),
            mails_before,
        )
        self.assertEqual(
            self.env["mail.notification"].search_count(
                [("res_partner_id", "=", customer.id)]
            ),
            notified_before,
        )

    def test_merged_history_stays_out_of_the_tickets_sla(self):
        self._merge(self.by_mail | self.by_phone, self.by_phone, self.agent)
        # A priority change replans the kept ticket's own lines only.
        self.by_phone.priority_id = self.high
        self.assertEqual(set(self.by_phone.sla_line_ids.mapped("target_hours")), {1, 2})
        self.assertEqual(
            set(self.by_phone.sla_merged_line_ids.mapped("target_hours")), {2, 4}
        )
        # Closing and reopening leaves the history alone.
        self.by_phone.stage_id = self.stage_done
        self.by_phone.stage_id = self.stage_progress
        self.assertNotIn("ongoing", self.by_phone.sla_merged_line_ids.mapped("status"))

    def test_refused_with_nothing_changed(self):
        other_account = self._create_ticket(
            name="Other account",
            partner_id=self.other_customer.id,
            team_id=self.team_a.id,
        )
        closed = self._create_ticket(
            name="Closed", team_id=self.team_a.id, stage_id=self.stage_done.id
        )
        tickets = self.by_mail | self.by_phone | other_account | closed
        before = self._snapshot(tickets)
        cases = [
            (self.by_mail | other_account, self.by_mail, "same account"),
            (self.by_mail, self.by_mail, "at least two"),
            (self.by_mail | closed, closed, "is closed"),
        ]
        for group, target, message in cases:
            with self.subTest(message), self.assertRaisesRegex(UserError, message):
                self._merge(group, target, self.agent)
        # Another team's agent may not even read them; nor merge their own
        # ticket with one they cannot read.
        with self.assertRaises(AccessError):
            self._merge(self.by_mail | self.by_phone, self.by_phone, self.agent_b)
        own_b = self._create_ticket(name="Team B", team_id=self.team_b.id)
        with self.assertRaises(AccessError):
            self._merge(self.by_mail | own_b, own_b, self.agent_b)
        self.assertEqual(own_b.state, "new")
        self.assertEqual(self._snapshot(tickets), before)


@tagged("post_install", "-at_install")
class TestTicketMergeRpc(MergeCommon, HttpCase, JsonRpcMixin):
    def _rpc_merge(self, user):
        answer = self._rpc(
            user,
            "support.ticket.merge",
            "create",
            [
                {
                    "ticket_ids": [(6, 0, (self.by_mail | self.by_phone).ids)],
                    "target_ticket_id": self.by_phone.id,
                }
            ],
        )
        if "error" in answer:
            return answer
        return self._rpc(user, "support.ticket.merge", "action_merge", answer["result"])

    def test_rpc_refused_outside_the_team_and_for_portal(self):
        before = self._snapshot(self.by_mail | self.by_phone)
        self.assertRpcRefused(self._rpc_merge(self.agent_b))
        self.assertRpcRefused(self._rpc_merge(self.portal_user))
        self.assertEqual(self._snapshot(self.by_mail | self.by_phone), before)
        # The same call by an agent of the team merges.
        self.assertIn("result", self._rpc_merge(self.agent))
        self.assertEqual(self.by_mail.state, "cancelled")

    def test_merge_tour(self):
        mail = self._create_ticket(name="Merge tour by mail", team_id=self.team_a.id)
        phone = self._create_ticket(name="Merge tour by phone", team_id=self.team_a.id)
        self._track(mail, 0.5, user=self.agent)
        self.start_tour(
            "/odoo/action-support_desk.support_ticket_action",
            "support_desk_merge_tour",
            login=self.agent.login,
        )
        self.assertEqual(mail.state, "cancelled")
        self.assertEqual(phone.tracked_hours, 0.5)
        self.assertIn(phone.number, mail.closing_note)
