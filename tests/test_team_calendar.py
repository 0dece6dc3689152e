from datetime import datetime

from lxml import etree

from odoo.tests import tagged

from .common import SupportDeskCommon

TEAM_CALENDARS = (
    ("support_ticket_action_calendar_team", "support_ticket_view_calendar_team"),
    (
        "support_ticket_action_calendar_team_deadline",
        "support_ticket_view_calendar_team_deadline",
    ),
    (
        "support_ticket_action_calendar_team_sla",
        "support_ticket_view_calendar_team_sla",
    ),
)


@tagged("post_install", "-at_install")
class TestTeamCalendar(SupportDeskCommon):
    """Team calendars: every agent's tickets side by side, one per date."""

    def _calendar(self, view_xmlid, user):
        view = self.env.ref(f"support_desk.{view_xmlid}")
        arch = (
            self.env["support.ticket"]
            .with_user(user)
            .get_views([(view.id, "calendar")])["views"]["calendar"]["arch"]
        )
        return etree.fromstring(arch)

    def test_views_per_date_coloured_and_filtered_by_agent(self):
        expected = {
            "support_ticket_view_calendar_team": (
                "date_planned_start",
                "date_deadline",
            ),
            "support_ticket_view_calendar_team_deadline": ("date_deadline", None),
            "support_ticket_view_calendar_team_sla": ("sla_deadline", None),
        }
        for view_xmlid, (start, stop) in expected.items():
            calendar = self._calendar(view_xmlid, self.agent)
            self.assertEqual(calendar.get("date_start"), start, view_xmlid)
            self.assertEqual(calendar.get("date_stop"), stop, view_xmlid)
            self.assertEqual(calendar.get("color"), "user_id")
            agent_field = calendar.find("field[@name='user_id']")
            self.assertEqual(agent_field.get("filters"), "1", "a filter per agent")

    def test_actions_keep_their_calendar(self):
        """The company's calendar date picks the ticket actions' calendar, not
        the team calendars'."""
        Action = self.env["ir.actions.act_window"]
        for value in ("date_planned_start", "date_deadline", "sla_deadline"):
            self.company.support_calendar_date_field = value
            for action_xmlid, view_xmlid in TEAM_CALENDARS:
                views = dict(
                    (mode, view_id)
                    for view_id, mode in Action._for_xml_id(
                        f"support_desk.{action_xmlid}"
                    )["views"]
                )
                self.assertEqual(
                    views["calendar"],
                    self.env.ref(f"support_desk.{view_xmlid}").id,
                    (value, action_xmlid),
                )

    def test_agent_sees_the_team_side_by_side(self):
        start = datetime(2030, 3, 4, 9, 0)
        deadline = datetime(2030, 3, 6, 17, 0)
        mine = self._create_ticket(
            name="Mine",
            team_id=self.team_a.id,
            user_id=self.agent.id,
            date_planned_start=start,
            date_deadline=deadline,
        )
        colleagues = self._create_ticket(
            name="Colleague's",
            team_id=self.team_a.id,
            user_id=self.ticket_admin.id,
            date_planned_start=start,
            date_deadline=deadline,
        )
        self._create_ticket(
            name="Other team",
            team_id=self.team_b.id,
            user_id=self.agent_b.id,
            date_planned_start=start,
            date_deadline=deadline,
        )
        # What the calendar asks for a week: records overlapping it.
        domain = [
            ("date_planned_start", "<=", "2030-03-10 23:59:59"),
            ("date_deadline", ">=", "2030-03-03 00:00:00"),
            ("state", "in", ("new", "in_progress", "on_hold")),
        ]
        rows = (
            self.env["support.ticket"]
            .with_user(self.agent)
            .search_read(domain, ["name", "user_id", "date_planned_start"])
        )
        self.assertEqual(
            {row["id"] for row in rows},
            {mine.id, colleagues.id},
            "the team's tickets of every agent; never another team's",
        )
        self.assertEqual(
            {row["user_id"][0] for row in rows}, {self.agent.id, self.ticket_admin.id}
        )
        # Filtering on one agent, as the side panel does.
        only = (
            self.env["support.ticket"]
            .with_user(self.agent)
            .search([*domain, ("user_id", "in", self.ticket_admin.ids)])
        )
        self.assertEqual(only, colleagues)

    def test_menus_for_internal_users(self):
        menu = self.env.ref("support_desk.support_menu_calendar")
        self.assertEqual(len(menu.child_id), 3)
        for user in (self.employee, self.agent):
            visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            self.assertIn(menu.id, visible)
            self.assertTrue(set(menu.child_id.ids) <= visible)
