from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import live_bus


@tagged("post_install", "-at_install")
class TestWorkspaceUi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["support.team"].create({"name": "Tour Team"})
        cls.agent = new_test_user(
            cls.env,
            login="tour_ws_agent",
            groups="support_desk.group_support_agent",
            name="Tour Agent",
        )
        cls.team.member_ids = cls.agent
        cls.customer = cls.env["res.partner"].create(
            {"name": "Tour Customer", "is_company": True}
        )

    def _ticket(self, **vals):
        vals.setdefault("name", "Printer does not print")
        vals.setdefault("partner_id", self.customer.id)
        vals.setdefault("team_id", self.team.id)
        return self.env["support.ticket"].create(vals)

    def _url(self, ticket):
        return f"/odoo/action-support_desk.support_ticket_action/{ticket.id}"

    def test_schedule_call_moves_ticket_tour(self):
        ticket = self._ticket()
        self.start_tour(
            self._url(ticket), "support_desk_next_action_tour", login=self.agent.login
        )
        self.assertEqual(ticket.state, "in_progress")
        self.assertFalse(ticket.activity_ids, "the call was marked done")
        done = ticket.message_ids.filtered(
            lambda m: (
                m.mail_activity_type_id
                == self.env.ref("support_desk.mail_activity_type_ticket_call")
            )
        )
        self.assertEqual(len(done), 1)

    def test_reply_pauses_sla_and_changes_state_tour(self):
        calendar = self.env["resource.calendar"].create(
            {
                "name": "Always",
                "tz": "UTC",
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": 0,
                            "hour_to": 24,
                        }
                    )
                    for day in range(7)
                ],
            }
        )
        policy = self.env["support.sla.policy"].create(
            {
                "name": "Tour SLA",
                "calendar_id": calendar.id,
                "line_ids": [
                    Command.create(
                        {
                            "priority_id": self.env.ref(
                                "support_desk.support_priority_medium"
                            ).id,
                            "first_response_hours": 2,
                            "resolution_hours": 8,
                        }
                    )
                ],
            }
        )
        contract = self.env["support.contract"].create(
            {
                "name": "Tour contract",
                "partner_id": self.customer.id,
                "date_start": "2020-01-01",
                "sla_policy_id": policy.id,
            }
        )
        contract.action_activate()
        ticket = self._ticket()
        self.assertEqual(ticket.sla_status, "ongoing")
        self.start_tour(
            self._url(ticket), "support_desk_reply_tour", login=self.agent.login
        )
        self.assertEqual(ticket.state, "in_progress")
        self.assertTrue(ticket.sla_paused_until_reply)
        reply = ticket.message_ids.filtered(
            lambda m: "We restarted the print server" in (m.body or "")
        )
        self.assertEqual(reply.author_id, self.agent.partner_id)
        self.assertEqual(reply.support_ticket_state, "in_progress")
        self.assertEqual(reply.support_message_kind, "public")

    def test_unread_mark_cleared_by_opening_tour(self):
        colleague = new_test_user(
            self.env,
            login="tour_ws_colleague",
            groups="support_desk.group_support_agent",
            name="Colleague",
        )
        news = self._ticket(
            name="Unread news",
            user_id=self.agent.id,
            in_charge_user_id=colleague.id,
        )
        self._ticket(name="Quiet one", user_id=self.agent.id)
        contact = self.env["res.partner"].create(
            {"name": "Anna", "parent_id": self.customer.id, "email": "anna@x.example"}
        )
        news.message_post(
            body="Any news?",
            author_id=contact.id,
            message_type="email",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertTrue(news.with_user(self.agent).is_unread)
        self.start_tour(
            "/odoo/action-support_desk.support_ticket_action",
            "support_desk_unread_tour",
            login=self.agent.login,
        )
        news.invalidate_recordset(["is_unread"])
        self.assertFalse(news.with_user(self.agent).is_unread)
        self.assertTrue(
            news.with_user(colleague).is_unread, "cleared for the reader only"
        )

    def test_systray_count_follows_assignment_tour(self):
        admin = new_test_user(
            self.env,
            login="tour_ws_admin",
            groups="support_desk.group_support_ticket_admin",
            name="Tour Admin",
        )
        self.team.member_ids |= admin
        admin.write(
            {
                "support_assign_team_ids": [Command.set(self.team.ids)],
                "support_assign_user_ids": [Command.set(admin.ids)],
            }
        )
        self._ticket(name="Toner empty", user_id=admin.id)
        ticket = self._ticket(name="Scanner jammed")
        self.assertFalse(ticket.user_id)
        with live_bus(self, admin.partner_id):
            self.start_tour(
                self._url(ticket), "support_desk_systray_tour", login=admin.login
            )
        self.assertEqual(ticket.user_id, admin)
