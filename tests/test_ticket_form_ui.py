from odoo.tests import HttpCase, new_test_user, tagged

from .common import JsonRpcMixin


@tagged("post_install", "-at_install")
class TestTicketFormUi(JsonRpcMixin, HttpCase):
    """The new-ticket form plans the next action; list marks clear on a click."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["support.team"].create({"name": "Form Team"})
        cls.agent = new_test_user(
            cls.env,
            login="sd_form_agent",
            groups="support_desk.group_support_agent",
            name="Form Agent",
        )
        cls.colleague = new_test_user(
            cls.env,
            login="sd_form_colleague",
            groups="support_desk.group_support_agent",
            name="Form Colleague",
        )
        cls.outsider = new_test_user(
            cls.env,
            login="sd_form_outsider",
            groups="support_desk.group_support_agent",
            name="Outsider",
        )
        cls.team.member_ids = cls.agent | cls.colleague
        cls.team_type = cls.env["support.ticket.type"].create(
            {"name": "Two days", "default_duration_days": 2}
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Form Customer", "is_company": True}
        )

    def test_plan_while_creating_tour(self):
        self.start_tour(
            "/odoo/action-support_desk.support_ticket_action/new",
            "support_desk_new_ticket_plan_tour",
            login=self.agent.login,
        )
        ticket = self.env["support.ticket"].search(
            [("name", "=", "Router down at the shop")]
        )
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.type_id, self.team_type)
        self.assertIn("Restarted over the phone.", ticket.closing_note)
        self.assertTrue(ticket.date_planned_start, "the window starts today")
        self.assertEqual(
            ticket.date_deadline,
            ticket._support_type_deadline(
                self.team_type, ticket.date_planned_start, ticket.company_id
            ),
        )
        self.assertEqual(ticket.activity_ids.summary, "Call the shop back")
        self.assertEqual(
            ticket.activity_ids.activity_type_id,
            self.env.ref("support_desk.mail_activity_type_ticket_call"),
        )
        self.assertEqual(ticket.state, "in_progress")

    def _news(self):
        news = self.env["support.ticket"].create(
            {
                "name": "Unread news",
                "partner_id": self.customer.id,
                "team_id": self.team.id,
                "user_id": self.agent.id,
                "in_charge_user_id": self.colleague.id,
            }
        )
        contact = self.env["res.partner"].create(
            {"name": "Anna", "parent_id": self.customer.id, "email": "anna@x.example"}
        )
        news.message_post(
            body="Any news?",
            author_id=contact.id,
            message_type="email",
            subtype_xmlid="mail.mt_comment",
        )
        return news

    def test_unread_click_tour(self):
        news = self._news()
        self.env["support.ticket"].create(
            {"name": "Quiet one", "team_id": self.team.id, "user_id": self.agent.id}
        )
        self.assertTrue(news.with_user(self.agent).is_unread)
        self.start_tour(
            "/odoo/action-support_desk.support_ticket_action",
            "support_desk_unread_click_tour",
            login=self.agent.login,
        )
        news.invalidate_recordset(["is_unread"])
        self.assertFalse(news.with_user(self.agent).is_unread)
        self.assertTrue(
            news.with_user(self.colleague).is_unread, "cleared for the reader only"
        )

    def test_mark_read_needs_read_access(self):
        news = self._news()
        answer = self._rpc(
            self.outsider, "support.ticket", "action_support_mark_read", [news.id]
        )
        self.assertRpcRefused(answer)
        self.assertTrue(news.with_user(self.agent).is_unread)
        self.assertTrue(news.with_user(self.colleague).is_unread)
        answer = self._rpc(
            self.agent, "support.ticket", "action_support_mark_read", [news.id]
        )
        self.assertIs(answer.get("result"), True, answer)
        self.assertFalse(news.with_user(self.agent).is_unread)
        self.assertTrue(news.with_user(self.colleague).is_unread)
