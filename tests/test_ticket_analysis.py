from odoo.tests import tagged

from .common import SupportDeskCommon

GROUPBY = ["team_id", "type_id", "priority_id", "partner_id", "create_date:month"]


@tagged("post_install", "-at_install")
class TestTicketAnalysis(SupportDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket_a = cls._create_ticket(team_id=cls.team_a.id)
        cls.ticket_a2 = cls._create_ticket(
            team_id=cls.team_a.id, partner_id=cls.other_customer.id
        )
        cls.ticket_b = cls._create_ticket(team_id=cls.team_b.id)
        cls.action = cls.env.ref("support_desk.support_ticket_action_analysis")

    def test_action_and_menu(self):
        self.assertEqual(self.action.name, "Analysis")
        self.assertEqual(self.action.view_mode, "pivot,graph")
        menu = self.env.ref("support_desk.support_ticket_menu_analysis")
        self.assertEqual(menu.action, self.action)
        self.assertEqual(
            menu.parent_id, self.env.ref("support_desk.support_menu_reporting")
        )
        Menu = self.env["ir.ui.menu"]
        for user, visible in (
            (self.manager, True),
            (self.ticket_admin, True),
            (self.agent, False),
            (self.employee, False),
        ):
            menus = Menu.with_user(user)._visible_menu_ids()
            self.assertEqual(menu.id in menus, visible, user.name)

    def test_action_loads(self):
        for user in (self.manager, self.ticket_admin):
            action = (
                self.env["ir.actions.act_window"]
                .with_user(user)
                ._for_xml_id("support_desk.support_ticket_action_analysis")
            )
            Ticket = self.env["support.ticket"].with_user(user)
            views = Ticket.get_views([(False, "pivot"), (False, "graph")])
            self.assertIn("pivot", views["views"])
            self.assertIn("graph", views["views"])
            self.assertEqual(action["res_model"], "support.ticket")

    def test_read_group_for_agent_applies_rules(self):
        Ticket = self.env["support.ticket"].with_user(self.agent)
        mine = (self.ticket_a | self.ticket_a2 | self.ticket_b).ids
        groups = Ticket.read_group(
            [("id", "in", mine)], ["__count"], GROUPBY, lazy=False
        )
        counted = sum(group["__count"] for group in groups)
        self.assertEqual(counted, 2, "team B's ticket is not counted")
        teams = {group["team_id"][0] for group in groups}
        self.assertEqual(teams, {self.team_a.id})
        partners = {group["partner_id"][0] for group in groups}
        self.assertEqual(partners, {self.customer.id, self.other_customer.id})
        self.assertTrue(all(group["create_date:month"] for group in groups))
        manager = Ticket.with_user(self.manager).read_group(
            [("id", "in", mine)],
            ["__count"],
            ["team_id"],
        )
        self.assertEqual(sum(group["team_id_count"] for group in manager), 3)
