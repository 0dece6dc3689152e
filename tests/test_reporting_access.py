from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools.safe_eval import safe_eval

from .common import JsonRpcMixin
from .test_tracking import TrackingCommon


@tagged("post_install", "-at_install")
class TestReportingAccess(JsonRpcMixin, TrackingCommon, HttpCase):
    """Reporting > Tracked Time and Reporting > SLA open for every role that
    has the menu, each user seeing the figures of the tickets they see."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket_admin.support_assign_team_ids = cls.team_b
        cls.ticket_a = cls._create_ticket(name="Printer A", team_id=cls.team_a.id)
        cls.ticket_b = cls._create_ticket(
            name="Server B", team_id=cls.team_b.id, partner_id=cls.other_customer.id
        )
        cls._track(cls.ticket_a, 2.0)
        cls._track(cls.ticket_b, 3.0)
        SlaLine = cls.env["support.ticket.sla"]
        SlaLine.search([]).unlink()
        now = fields.Datetime.now()
        SlaLine.create(
            [
                {
                    "ticket_id": cls.ticket_a.id,
                    "target": "first_response",
                    "date_start": now,
                    "status": "reached",
                    "reached_hours": 1.5,
                },
                {
                    "ticket_id": cls.ticket_b.id,
                    "target": "resolution",
                    "date_start": now,
                    "status": "failed",
                    "reached_hours": 6.0,
                },
            ]
        )
        # What each role with the Reporting menu sees: its tickets' figures.
        both = (cls.team_a, cls.team_b)
        cls.scopes = {
            cls.agent: (cls.team_a,),
            cls.agent_b: (cls.team_b,),
            cls.ticket_admin: both,
            cls.manager: both,
        }

    def _menus(self, user):
        self.authenticate(user.login, user.login)
        response = self.url_open("/web/webclient/load_menus/reporting")
        self.assertEqual(response.status_code, 200)
        return {int(key) for key in response.json() if str(key).isdigit()}

    def _load_action(self, user, xmlid):
        """Open the action as the web client does: its views, then its groups."""
        action = self.env.ref(xmlid)
        views = [[view_id or False, mode] for view_id, mode in action.views]
        views.append([action.search_view_id.id or False, "search"])
        answer = self._rpc(
            user,
            action.res_model,
            "get_views",
            views=views,
            options={"action_id": action.id, "load_filters": True, "toolbar": True},
        )
        self.assertNotIn("error", answer, user.login)
        self.assertEqual(
            set(answer["result"]["views"]), {mode for __, mode in views}, user.login
        )
        return action

    def _groups(self, user, model, domain, measure, groupby):
        answer = self._rpc(
            user,
            model,
            "web_read_group",
            domain=domain,
            fields=[f"{measure}:sum"],
            groupby=[groupby],
        )
        self.assertNotIn("error", answer, user.login)
        return {
            group[groupby][1]: group[measure] for group in answer["result"]["groups"]
        }

    def test_tracked_time_pivot(self):
        menu = self.env.ref("support_desk.account_analytic_line_menu_support")
        expected_hours = {
            self.team_a: ("ACME Srl", 2.0),
            self.team_b: ("Globex Spa", 3.0),
        }
        for user, teams in self.scopes.items():
            self.assertIn(menu.id, self._menus(user), user.login)
            action = self._load_action(
                user, "support_desk.account_analytic_line_action_support"
            )
            # the pivot's rows: customers, measured in hours
            groups = self._groups(
                user,
                "account.analytic.line",
                safe_eval(action.domain or "[]"),
                "unit_amount",
                "partner_id",
            )
            self.assertEqual(
                groups, dict(expected_hours[team] for team in teams), user.login
            )
        self.assertNotIn(menu.id, self._menus(self.employee))

    def test_sla_analysis(self):
        menu = self.env.ref("support_desk.support_ticket_sla_menu_analysis")
        expected = {self.team_a: ("Team A", 1.5), self.team_b: ("Team B", 6.0)}
        for user, teams in self.scopes.items():
            self.assertIn(menu.id, self._menus(user), user.login)
            self._load_action(user, "support_desk.support_ticket_sla_action_analysis")
            # the pivot's rows: teams, measured in hours to reach the target
            groups = self._groups(
                user, "support.ticket.sla", [], "reached_hours", "team_id"
            )
            self.assertEqual(groups, dict(expected[team] for team in teams), user.login)
        self.assertNotIn(menu.id, self._menus(self.employee))
