from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import SupportDeskCommon
from .test_sla import SupportSlaCommon, rome


@tagged("post_install", "-at_install")
class TestTicketStateDisplay(SupportSlaCommon):
    """The state users read in lists: Expired is one of them (first seed)."""

    def _no_sla_ticket(self, *names_deadlines):
        """Tickets of a customer with no contract: only their deadline counts."""
        return self.env["support.ticket"].concat(
            *(
                self._create_ticket(
                    name=name, date_deadline=deadline, partner_id=self.other_customer.id
                )
                for name, deadline in names_deadlines
            )
        )

    def _cron(self, when):
        with freeze_time(when):
            return self.env["support.ticket.sla"]._cron_escalate()

    def test_deadline_passing_without_write(self):
        Ticket = self.env["support.ticket"]
        with freeze_time("2026-03-02 09:00"):
            late, later, closed = self._no_sla_ticket(
                ("Late", "2026-03-03 12:00"),
                ("Later", "2026-03-10 12:00"),
                ("Closed", "2026-03-03 12:00"),
            )
            closed.stage_id = self.stage_done
            # Computed now (stored computes wait for a read or a flush).
            self.assertEqual(late.state_display, "new")
            self.assertEqual(later.state_display, "new")
            self.assertEqual(closed.state_display, "done")
        mine = late | later | closed
        with freeze_time("2026-03-04 09:00"):
            due = Ticket._cron_update_state_display()
            self.assertEqual(due & mine, late, "only the open row that became due")
            self.assertEqual(late.state_display, "expired")
            self.assertEqual(later.state_display, "new")
            self.assertEqual(closed.state_display, "done")
            self.assertIn(late, Ticket.search([("state_display", "=", "expired")]))
            # An expired row is not read again.
            self.assertFalse(Ticket._cron_update_state_display() & mine)
        # The escalation cron runs it.
        with freeze_time("2026-03-11 09:00"):
            self.env["support.ticket.sla"]._cron_escalate()
        self.assertEqual(later.state_display, "expired")

    def test_close_reopen_and_new_deadline(self):
        with freeze_time("2026-03-02 09:00"):
            ticket = self._no_sla_ticket(("Late", "2026-03-01 12:00"))
            self.assertEqual(ticket.state_display, "expired", "created already late")
        ticket.stage_id = self.stage_hold
        self.assertEqual(ticket.state_display, "expired", "on hold and late")
        ticket.stage_id = self.stage_cancelled
        self.assertEqual(ticket.state_display, "cancelled")
        ticket.stage_id = self.stage_progress
        self.assertEqual(ticket.state_display, "expired", "reopened, still late")
        ticket.date_deadline = datetime.now() + timedelta(days=3)
        self.assertEqual(ticket.state_display, "in_progress")
        ticket.date_deadline = False
        self.assertEqual(ticket.state_display, "in_progress")

    def test_failed_resolution_target(self):
        ticket = self._ticket_at(rome("2026-11-18 10:00"))
        self.assertEqual(ticket.state_display, "new")
        self._cron(rome("2026-11-18 15:00"))
        self.assertEqual(self._line(ticket).status, "failed")
        self.assertEqual(ticket.state_display, "expired")
        ticket.stage_id = self.stage_done
        self.assertEqual(ticket.state_display, "done")
        ticket.stage_id = self.stage_progress
        self.assertEqual(
            ticket.state_display, "expired", "a failed target stays failed"
        )

    def test_search_panel_lists_expired(self):
        with freeze_time("2026-03-02 09:00"):
            self._create_ticket(name="Late", date_deadline="2026-03-01 12:00")
            self._create_ticket(name="Fine")
        result = (
            self.env["support.ticket"]
            .with_user(self.agent)
            .search_panel_select_range("state_display", enable_counters=True)
        )
        values = {value["id"]: value for value in result["values"]}
        self.assertEqual(values["expired"]["display_name"], "Expired")
        self.assertGreaterEqual(values["expired"]["__count"], 1)


@tagged("post_install", "-at_install")
class TestCbPoints(SupportDeskCommon):
    """The first seed's "Punti CB": kept on the customer, listed on tickets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.support_cb_points = 103
        cls.other_customer.support_cb_points = 9
        cls.ticket = cls._create_ticket(
            partner_id=cls.customer_contact.id, team_id=cls.team_a.id
        )
        cls.other = cls._create_ticket(
            partner_id=cls.other_customer.id, team_id=cls.team_a.id
        )
        # Both may edit contacts (Contact Creation); only the agent keeps points.
        cls.contact_agent = new_test_user(
            cls.env,
            login="sd_contact_agent",
            groups="support_desk.group_support_agent,base.group_partner_manager",
        )
        cls.contact_employee = new_test_user(
            cls.env,
            login="sd_contact_employee",
            groups="base.group_user,base.group_partner_manager",
        )

    def test_points_follow_the_customer(self):
        self.assertEqual(self.ticket.partner_cb_points, 103, "the contact's company")
        self.customer.with_user(self.contact_agent).support_cb_points = 105
        self.assertEqual(self.ticket.partner_cb_points, 105)
        Ticket = self.env["support.ticket"].with_user(self.agent)
        both = self.ticket | self.other
        self.assertEqual(
            Ticket.search([("id", "in", both.ids), ("partner_cb_points", ">", 50)]),
            self.ticket,
        )
        self.assertEqual(
            Ticket.search([("id", "in", both.ids)], order="partner_cb_points"),
            self.other | self.ticket,
        )
        self.assertEqual(
            Ticket.search([("id", "in", both.ids)], order="partner_cb_points")[0],
            self.other,
        )

    def test_who_reads_and_writes_points(self):
        # Employees read them; agents keep them; customers never see them.
        self.assertEqual(
            self.customer.with_user(self.employee).read(["support_cb_points"])[0][
                "support_cb_points"
            ],
            103,
        )
        with self.assertRaises(AccessError):
            self.customer.with_user(self.contact_employee).write(
                {"support_cb_points": 1}
            )
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.contact_employee).create(
                {"name": "Squat", "support_cb_points": 5}
            )
        self.assertEqual(self.customer.support_cb_points, 103)
        # The rest of the partner stays theirs to edit.
        self.customer.with_user(self.contact_employee).write({"phone": "+39 02 1"})
        self.env["res.partner"].with_user(self.contact_agent).create(
            {"name": "New customer", "is_company": True, "support_cb_points": 5}
        )
        portal = self.portal_user
        portal.partner_id.parent_id = self.customer
        with self.assertRaises(AccessError):
            portal.partner_id.with_user(portal).read(["support_cb_points"])
        with self.assertRaises(AccessError):
            self.env["support.ticket"].with_user(portal).search(
                [("partner_cb_points", ">", 0)]
            )
        # The ticket's copy is the desk's: nobody but a manager writes it.
        with self.assertRaises(AccessError):
            self.ticket.with_user(self.agent).write({"partner_cb_points": 1})
        with self.assertRaises(AccessError):
            self.ticket.with_user(self.agent).write({"state_display": "done"})


@tagged("post_install", "-at_install")
class TestMyTicketsBoxes(SupportDeskCommon):
    def test_boxes_show_every_state(self):
        Ticket = self.env["support.ticket"]
        self.ticket_admin.support_assign_user_ids = self.employee
        with freeze_time("2026-03-02 09:00"):
            expired = Ticket.with_user(self.employee).create(
                {"name": "Expired", "date_deadline": "2026-03-01 09:00"}
            )
        cancelled = Ticket.with_user(self.employee).create({"name": "Cancelled"})
        cancelled.sudo().stage_id = self.stage_cancelled
        done = self._create_ticket(user_id=self.agent.id, stage_id=self.stage_done.id)
        for user, box, expected in (
            (self.employee, "opened", expired | cancelled),
            (self.ticket_admin, "opened", expired | cancelled),
            (self.agent, "assigned", done),
        ):
            with self.subTest(user=user.login, box=box):
                domains = Ticket.with_user(user).get_dashboard_domains()
                found = Ticket.with_user(user).search(domains[box])
                self.assertLessEqual(expected, found)
        self.assertEqual(expired.state_display, "expired")
        opened = Ticket.with_user(self.agent).get_dashboard_domains()["opened"]
        self.assertFalse(
            Ticket.search([*opened, ("id", "in", (expired | cancelled).ids)]),
            "an agent's first box holds only what they opened",
        )


@tagged("post_install", "-at_install")
class TestMyTicketsUi(HttpCase):
    def test_my_tickets_filter_bar_tour(self):
        agent = new_test_user(
            self.env,
            login="tour_my_agent",
            groups="support_desk.group_support_agent",
            name="Tour Agent",
        )
        team = self.env["support.team"].create(
            {"name": "Tour Team", "member_ids": [(4, agent.id)]}
        )
        Partner = self.env["res.partner"]
        acme = Partner.create({"name": "Tour Acme", "is_company": True})
        acme.support_cb_points = 103
        globex = Partner.create({"name": "Tour Globex", "is_company": True})
        Ticket = self.env["support.ticket"].with_user(agent)
        values = {"team_id": team.id, "partner_id": acme.id}
        Ticket.create(
            dict(values, name="Late printer", date_deadline="2020-01-01 09:00:00")
        )
        cancelled = Ticket.create(dict(values, name="Cancelled scanner"))
        cancelled.sudo().stage_id = self.env.ref("support_desk.support_stage_cancelled")
        Ticket.create(dict(values, name="Globex router", partner_id=globex.id))
        self.env["support.ticket"].create(
            dict(values, name="Assigned modem", user_id=agent.id)
        )
        self.start_tour(
            "/odoo/action-support_desk.support_ticket_action_my_dashboard",
            "support_desk_my_tickets_tour",
            login=agent.login,
        )
