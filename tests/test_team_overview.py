from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import SupportDeskCommon

KINDS = ("open", "unassigned", "expired", "sla_failing", "mine")


@tagged("post_install", "-at_install")
class TestTeamOverview(SupportDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        now = fields.Datetime.now()
        past = now - timedelta(days=2)
        ticket = cls._create_ticket
        cls.t_mine = ticket(team_id=cls.team_a.id, user_id=cls.agent.id)
        cls.t_unassigned = ticket(team_id=cls.team_a.id)
        cls.t_in_charge = ticket(
            team_id=cls.team_a.id,
            user_id=cls.agent_b.id,
            in_charge_user_id=cls.agent.id,
        )
        cls.t_expired = ticket(
            team_id=cls.team_a.id, user_id=cls.agent_b.id, date_deadline=past
        )
        cls.t_done = ticket(team_id=cls.team_a.id, date_deadline=past)
        cls.t_done.stage_id = cls.stage_done
        cls.t_failed = ticket(team_id=cls.team_a.id, user_id=cls.agent_b.id)
        cls.t_overdue = ticket(team_id=cls.team_a.id, user_id=cls.agent_b.id)
        cls.t_running = ticket(team_id=cls.team_a.id, user_id=cls.agent_b.id)
        Sla = cls.env["support.ticket.sla"]
        for tkt, status, deadline in (
            (cls.t_failed, "failed", past),
            (cls.t_overdue, "ongoing", past),
            (cls.t_running, "ongoing", now + timedelta(days=2)),
        ):
            Sla.create(
                {
                    "ticket_id": tkt.id,
                    "target": "resolution" if status != "failed" else "first_response",
                    "date_start": past - timedelta(days=1),
                    "deadline": deadline,
                    "status": status,
                }
            )
        # Team B: one ticket the agent holds in charge, two it cannot read.
        cls.t_b_in_charge = ticket(
            team_id=cls.team_b.id,
            user_id=cls.agent_b.id,
            in_charge_user_id=cls.agent.id,
        )
        cls.t_b_other = ticket(team_id=cls.team_b.id, user_id=cls.agent_b.id)
        cls.t_b_unassigned = ticket(team_id=cls.team_b.id, date_deadline=past)

    def _counts(self, user, team):
        team = team.with_user(user)
        team.invalidate_recordset()
        return {kind: team[f"overview_{kind}_count"] for kind in KINDS}

    def test_sla_fixture(self):
        self.assertEqual(self.t_failed.sla_status, "failed")
        self.assertEqual(self.t_overdue.sla_status, "ongoing")
        self.assertEqual(self.t_running.sla_status, "ongoing")
        self.assertTrue(self.t_expired.is_expired)
        self.assertFalse(self.t_done.is_expired)

    def test_counts_manager(self):
        self.assertEqual(
            self._counts(self.manager, self.team_a),
            {"open": 7, "unassigned": 1, "expired": 1, "sla_failing": 2, "mine": 0},
        )
        self.assertEqual(
            self._counts(self.manager, self.team_b),
            {"open": 3, "unassigned": 1, "expired": 1, "sla_failing": 0, "mine": 0},
        )

    def test_counts_agent(self):
        self.assertEqual(
            self._counts(self.agent, self.team_a),
            {"open": 7, "unassigned": 1, "expired": 1, "sla_failing": 2, "mine": 2},
        )
        # Team B: only the ticket the agent holds in charge is readable.
        self.assertEqual(
            self._counts(self.agent, self.team_b),
            {"open": 1, "unassigned": 0, "expired": 0, "sla_failing": 0, "mine": 1},
        )
        self.assertEqual(
            self._counts(self.agent_b, self.team_a)["mine"], 5, "assigned to agent B"
        )

    def test_counts_cached_per_user(self):
        self.assertEqual(self.team_b.with_user(self.agent).overview_open_count, 1)
        self.assertEqual(self.team_b.with_user(self.manager).overview_open_count, 3)

    def test_counts_employee_sees_only_own(self):
        self.assertEqual(
            self._counts(self.employee, self.team_a),
            dict.fromkeys(KINDS, 0),
        )

    def test_counts_batched_for_all_teams(self):
        Team = self.env["support.team"]
        teams = self.team_a | self.team_b
        for i in range(4):
            team = Team.create({"name": f"Extra {i}"})
            self._create_ticket(team_id=team.id)
            teams |= team
        teams = teams.with_user(self.manager)

        def queries(records):
            records.invalidate_model()
            before = self.env.cr.sql_log_count
            records.mapped("overview_open_count")
            return self.env.cr.sql_log_count - before

        queries(teams)  # warm the caches of record rules and access rights
        two = queries(teams[:2])
        six = queries(teams)
        self.assertEqual(two, six, "no query per team")
        self.assertLessEqual(six, len(KINDS) + 2, "one grouped count per measure")
        self.assertEqual(teams[2:].mapped("overview_open_count"), [1, 1, 1, 1])

    def test_actions_domains(self):
        Ticket = self.env["support.ticket"].with_user(self.manager)
        team = self.team_a.with_user(self.manager)
        expected = {
            "open": self.t_mine
            | self.t_unassigned
            | self.t_in_charge
            | self.t_expired
            | self.t_failed
            | self.t_overdue
            | self.t_running,
            "unassigned": self.t_unassigned,
            "expired": self.t_expired,
            "sla_failing": self.t_failed | self.t_overdue,
            "mine": Ticket,
        }
        for kind, tickets in expected.items():
            action = team.with_context(
                support_overview_kind=kind
            ).action_view_overview_tickets()
            self.assertEqual(action["res_model"], "support.ticket")
            self.assertEqual(action["context"], {"default_team_id": team.id})
            self.assertEqual(Ticket.search(action["domain"]), tickets, kind)
        mine = (
            self.team_a.with_user(self.agent)
            .with_context(support_overview_kind="mine")
            .action_view_overview_tickets()
        )
        self.assertEqual(
            Ticket.with_user(self.agent).search(mine["domain"]),
            self.t_mine | self.t_in_charge,
        )

    def test_action_unknown_kind(self):
        with self.assertRaises(UserError):
            self.team_a.with_context(
                support_overview_kind="bogus"
            ).action_view_overview_tickets()

    def test_overview_action_and_menu(self):
        action = self.env.ref("support_desk.support_team_action_overview")
        self.assertEqual(
            action.view_id,
            self.env.ref("support_desk.support_team_view_kanban_overview"),
        )
        root = self.env.ref("support_desk.support_menu_root")
        first = root.child_id.sorted(lambda m: (m.sequence, m.id))[:1]
        self.assertEqual(first, self.env.ref("support_desk.support_team_menu_overview"))
        # The kanban loads for an agent, counts included.
        teams = self.env["support.team"].with_user(self.agent)
        views = teams.get_views([(action.view_id.id, "kanban")])
        self.assertIn("overview_sla_failing_count", views["views"]["kanban"]["arch"])
        records = teams.web_search_read(
            [("id", "=", self.team_a.id)],
            {"overview_open_count": {}, "overview_mine_count": {}},
        )["records"]
        self.assertEqual(records[0]["overview_mine_count"], 2)
