import json

from lxml import etree

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import JsonRpcMixin


@tagged("post_install", "-at_install")
class TestDashboard(JsonRpcMixin, HttpCase):
    """The Helpdesk dashboard (board) and "Add to my dashboard" on ticket lists."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["support.team"].create({"name": "Board Team"})
        cls.other_team = cls.env["support.team"].create({"name": "Other Team"})
        cls.agent = new_test_user(
            cls.env,
            login="sd_board_agent",
            groups="support_desk.group_support_agent",
            name="Board Agent",
        )
        cls.colleague = new_test_user(
            cls.env,
            login="sd_board_colleague",
            groups="support_desk.group_support_agent",
            name="Board Colleague",
        )
        cls.employee = new_test_user(
            cls.env, login="sd_board_employee", groups="base.group_user"
        )
        cls.team.member_ids = cls.agent | cls.colleague
        Ticket = cls.env["support.ticket"]
        cls.expired = Ticket.create(
            {
                "name": "Expired one",
                "team_id": cls.team.id,
                "user_id": cls.colleague.id,
                "date_deadline": "2020-01-01 10:00:00",
            }
        )
        cls.open = Ticket.create(
            {"name": "Open one", "team_id": cls.team.id, "user_id": cls.agent.id}
        )
        cls.hidden = Ticket.create(
            {
                "name": "Other team's",
                "team_id": cls.other_team.id,
                "date_deadline": "2020-01-01 10:00:00",
            }
        )
        cls.board_view = cls.env.ref("support_desk.support_dashboard_view_form")

    def _board_actions(self, user, view=None):
        arch = (
            self.env["board.board"]
            .with_user(user)
            .get_view((view or self.board_view).id, "form")["arch"]
        )
        return etree.fromstring(arch).findall(".//action")

    def test_dashboard_figures_follow_the_readers_rules(self):
        actions = self._board_actions(self.agent)
        titles = [node.get("string") for node in actions]
        self.assertEqual(
            titles,
            [
                "Open Tickets per Team",
                "Open Tickets per Agent",
                "Expired Tickets",
                "SLA Status of Open Tickets",
                "Failing SLA",
            ],
        )
        Ticket = self.env["support.ticket"].with_user(self.agent)
        by_title = {}
        for node in actions:
            action = self.env["ir.actions.act_window"].browse(int(node.get("name")))
            self.assertEqual(action.res_model, "support.ticket")
            # What the board loads (/web/action/load), as the agent.
            self.assertEqual(
                self.env["ir.actions.actions"]
                .with_user(self.agent)
                ._for_xml_id(action.get_external_id()[action.id])["res_model"],
                "support.ticket",
            )
            domain = safe_eval(node.get("domain") or "[]")
            by_title[node.get("string")] = Ticket.search(domain)
        self.assertEqual(by_title["Expired Tickets"], self.expired)
        self.assertEqual(by_title["Open Tickets per Team"], self.expired | self.open)
        self.assertFalse(by_title["Failing SLA"])
        # Per team and per agent, as the graph and pivot ask.
        groups = Ticket.read_group(
            [("state", "in", ("new", "in_progress", "on_hold"))],
            ["estimate_hours:sum"],
            ["user_id"],
        )
        self.assertEqual(
            {g["user_id"][0]: g["user_id_count"] for g in groups},
            {self.agent.id: 1, self.colleague.id: 1},
        )

    def test_dashboard_tour(self):
        self.start_tour(
            "/odoo/action-support_desk.support_dashboard_action",
            "support_desk_dashboard_tour",
            login=self.agent.login,
        )

    def test_dashboard_menu_for_agents(self):
        menu = self.env.ref("support_desk.support_menu_dashboard")
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.agent)._visible_menu_ids())
        self.assertNotIn(menu.id, Menu.with_user(self.employee)._visible_menu_ids())

    def _add_to_dashboard(self, login, action_xmlid, domain):
        self.authenticate(login, login)
        response = self.url_open(
            "/board/add_to_dashboard",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "action_id": self.env.ref(action_xmlid).id,
                        "context_to_save": {"group_by": []},
                        "domain": domain,
                        "view_mode": "list",
                        "name": "My expired tickets",
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_add_ticket_list_to_my_dashboard(self):
        answer = self._add_to_dashboard(
            self.agent.login,
            "support_desk.support_ticket_action",
            [["is_expired", "=", True]],
        )
        self.assertIs(answer.get("result"), True, answer)
        self.env.invalidate_all()
        my_board = self.env.ref("board.board_my_dash_view")
        mine = self._board_actions(self.agent, my_board)
        self.assertEqual(mine[0].get("string"), "My expired tickets")
        self.assertEqual(
            int(mine[0].get("name")),
            self.env.ref("support_desk.support_ticket_action").id,
        )
        # The agent's own page only.
        self.assertFalse(self._board_actions(self.colleague, my_board))
        # Loaded in the board, the action still reads under the agent's rules.
        action = (
            self.env["ir.actions.act_window"]
            .with_user(self.agent)
            ._for_xml_id("support_desk.support_ticket_action")
        )
        self.assertIn("calendar", dict((m, v) for v, m in action["views"]))
        self.assertEqual(
            self.env["support.ticket"]
            .with_user(self.agent)
            .search(safe_eval(mine[0].get("domain"))),
            self.expired,
        )
