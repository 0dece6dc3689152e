from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import SupportDeskCommon


class TrackingCommon(SupportDeskCommon):
    """Projects and employees so that users can track time."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Project = cls.env["project.project"]
        cls.project_a = Project.create({"name": "Support A", "allow_timesheets": True})
        cls.project_b = Project.create({"name": "Support B", "allow_timesheets": True})
        cls.team_a.project_id = cls.project_a
        cls.team_b.project_id = cls.project_b
        Employee = cls.env["hr.employee"]
        for user in (cls.agent, cls.agent_b, cls.ticket_admin, cls.manager):
            Employee.create({"name": user.name, "user_id": user.id})
        cls.manager_employee = cls.manager.employee_id
        cls.type_remote = cls.env.ref("support_desk.support_tracking_type_remote")
        cls.type_on_site = cls.env.ref("support_desk.support_tracking_type_on_site")
        cls.type_phone = cls.env.ref("support_desk.support_tracking_type_phone")

    @classmethod
    def _track(cls, ticket, hours, user=None, **vals):
        Line = cls.env["account.analytic.line"]
        if user:
            Line = Line.with_user(user)
        else:
            vals.setdefault("employee_id", cls.manager_employee.id)
        vals.update(support_ticket_id=ticket.id, unit_amount=hours)
        return Line.create(vals)


@tagged("post_install", "-at_install")
class TestTracking(TrackingCommon):
    def test_tracking_types_seeded(self):
        names = self.env["support.tracking.type"].search([]).mapped("name")
        for name in ("Remote", "On Site", "Phone"):
            self.assertIn(name, names)

    def test_line_takes_project_partner_and_description_from_ticket(self):
        ticket = self._create_ticket(team_id=self.team_a.id)
        line = self._track(ticket, 1.5, user=self.agent)
        self.assertEqual(line.project_id, self.project_a)
        self.assertEqual(line.partner_id, self.customer)
        self.assertEqual(line.name, ticket.name, "description defaults to the title")
        self.assertTrue(line.support_billable, "billable by default")
        self.assertEqual(line.employee_id.user_id, self.agent)
        self.assertEqual(line.support_team_id, self.team_a)
        explicit = self._track(ticket, 1, user=self.agent, name="Replaced the toner")
        self.assertEqual(explicit.name, "Replaced the toner")
        explicit.name = ""
        self.assertEqual(explicit.name, ticket.name, "an emptied description too")

    def test_project_from_ticket_then_team(self):
        own = self.env["project.project"].create({"name": "Customer project"})
        ticket = self._create_ticket(team_id=self.team_a.id, project_id=own.id)
        self.assertEqual(ticket._get_tracking_project(), own)
        self.assertEqual(self._track(ticket, 1).project_id, own)
        ticket.project_id = False
        self.assertEqual(ticket._get_tracking_project(), self.project_a)

    def test_project_from_contract_when_present(self):
        if "contract_id" not in self.env["support.ticket"]._fields:
            self.skipTest("contracts are not installed")
        contract_project = self.env["project.project"].create({"name": "Contract"})
        Contract = self.env["support.contract"]
        if "project_id" not in Contract._fields:
            self.skipTest("contracts have no project")
        ticket = self._create_ticket(team_id=self.team_a.id)
        contract = Contract.new({"project_id": contract_project.id})
        ticket_new = ticket.new(origin=ticket)
        ticket_new.contract_id = contract
        self.assertEqual(ticket_new._get_tracking_project(), contract_project)

    def test_no_project_uses_the_company_default(self):
        """Contract, ticket and team name no project: the company's default
        support project, made once, takes the time (tracking needs no set-up)."""
        self.assertFalse(self.company.support_project_id)
        first = self._track(self._create_ticket(), 1, user=self.agent)
        project = self.company.support_project_id
        self.assertTrue(project.allow_timesheets)
        self.assertEqual(first.project_id, project)
        second = self._track(self._create_ticket(), 2)
        self.assertEqual(second.project_id, project, "made once")
        self.assertEqual(
            self.env["project.project"].search_count([("name", "=", project.name)]),
            1,
        )
        # a company's own choice wins, and a team's project still comes first
        chosen = self.env["project.project"].create({"name": "Desk hours"})
        self.company.support_project_id = chosen
        self.assertEqual(self._track(self._create_ticket(), 1).project_id, chosen)
        teamed = self._create_ticket(team_id=self.team_a.id)
        self.assertEqual(self._track(teamed, 1).project_id, self.project_a)

    def test_first_tracking_moves_new_ticket_in_progress(self):
        ticket = self._create_ticket(team_id=self.team_a.id)
        self.assertEqual(ticket.state, "new")
        self._track(ticket, 0.5, user=self.agent)
        self.assertEqual(ticket.state, "in_progress")
        self.assertEqual(ticket.stage_id, ticket._get_in_progress_stage())
        self.assertEqual(ticket.stage_id, self.stage_progress)

    def test_tracking_moves_only_new_tickets(self):
        for stage in (self.stage_hold, self.stage_in_charge, self.stage_done):
            ticket = self._create_ticket(team_id=self.team_a.id)
            ticket.stage_id = stage
            self._track(ticket, 1, user=self.agent)
            self.assertEqual(ticket.stage_id, stage)

    def test_tracked_hours_follow_lines(self):
        ticket = self._create_ticket(team_id=self.team_a.id, estimate_hours=4)
        other = self._create_ticket(team_id=self.team_a.id)
        self.assertEqual(ticket.tracked_hours, 0)
        self.assertEqual(ticket.tracking_status, "none")
        line_1 = self._track(ticket, 1.5, user=self.agent)
        line_2 = self._track(ticket, 2, user=self.agent)
        self.assertAlmostEqual(ticket.tracked_hours, 3.5)
        self.assertAlmostEqual(ticket.tracking_progress, 87.5)
        self.assertEqual(ticket.tracking_status, "within")
        # edited
        line_2.unit_amount = 3
        self.assertAlmostEqual(ticket.tracked_hours, 4.5)
        self.assertEqual(ticket.tracking_status, "over")
        # moved to another ticket
        line_1.support_ticket_id = other
        self.assertAlmostEqual(ticket.tracked_hours, 3)
        self.assertAlmostEqual(other.tracked_hours, 1.5)
        self.assertEqual(other.tracking_status, "no_estimate")
        self.assertEqual(other.state, "in_progress", "a line moved in counts too")
        # deleted
        line_2.unlink()
        self.assertEqual(ticket.tracked_hours, 0)
        self.assertEqual(ticket.tracking_status, "none")
        # stored: the database agrees with the cache
        self.env.invalidate_all()
        self.assertAlmostEqual(other.tracked_hours, 1.5)
        Ticket = self.env["support.ticket"]
        self.assertEqual(
            Ticket.search(
                [("id", "in", (ticket | other).ids), ("tracked_hours", ">", 0)]
            ),
            other,
        )

    def test_tracked_hours_in_batch(self):
        tickets = self._create_ticket(team_id=self.team_a.id) | self._create_ticket(
            team_id=self.team_a.id
        )
        employee = self.manager_employee.id
        self.env["account.analytic.line"].create(
            [
                {"support_ticket_id": t.id, "unit_amount": h, "employee_id": employee}
                for t, h in ((tickets[0], 1), (tickets[1], 2), (tickets[1], 3))
            ]
        )
        self.env.invalidate_all()
        tickets._compute_tracked_hours()
        self.assertEqual(tickets.mapped("tracked_hours"), [1, 5])

    def test_over_estimate_filter(self):
        over = self._create_ticket(team_id=self.team_a.id, estimate_hours=1)
        within = self._create_ticket(team_id=self.team_a.id, estimate_hours=5)
        self._track(over, 2)
        self._track(within, 2)
        found = self.env["support.ticket"].search(
            [("tracking_status", "=", "over"), ("id", "in", (over | within).ids)]
        )
        self.assertEqual(found, over)
        within.estimate_hours = 1.5
        self.assertEqual(within.tracking_status, "over")

    def test_estimate_and_tracking_filters(self):
        """The search view's two entries, estimate and tracking, select apart."""
        arch = self.env["support.ticket"].get_views([(False, "search")])["views"][
            "search"
        ]["arch"]
        filters = {
            node.get("name"): node.get("domain")
            for node in etree.fromstring(arch).iter("filter")
        }
        estimated = self._create_ticket(team_id=self.team_a.id, estimate_hours=2)
        tracked = self._create_ticket(team_id=self.team_a.id)
        self._track(tracked, 1)
        scope = [("id", "in", (estimated | tracked).ids)]
        Ticket = self.env["support.ticket"]
        for name, expected in (
            ("filter_has_estimate", estimated),
            ("filter_no_estimate", tracked),
            ("filter_has_tracking", tracked),
            ("filter_no_tracking", estimated),
        ):
            domain = safe_eval(filters[name])
            self.assertEqual(Ticket.search(scope + domain), expected, name)

    def test_track_from_ticket_form(self):
        ticket = self._create_ticket(team_id=self.team_a.id)
        with Form(ticket.with_user(self.agent)) as form:
            with form.timesheet_ids.new() as line:
                line.unit_amount = 2
                line.support_tracking_type_id = self.type_phone
        line = ticket.timesheet_ids
        self.assertEqual(len(line), 1)
        self.assertEqual(line.name, ticket.name)
        self.assertEqual(line.support_tracking_type_id, self.type_phone)
        self.assertEqual(line.project_id, self.project_a)
        self.assertEqual(ticket.tracked_hours, 2)
        self.assertEqual(ticket.state, "in_progress")


@tagged("post_install", "-at_install")
class TestTrackingAccess(TrackingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket_a = cls._create_ticket(team_id=cls.team_a.id)
        cls.ticket_b = cls._create_ticket(team_id=cls.team_b.id)
        cls.line_a = cls._track(cls.ticket_a, 1, user=cls.agent)
        cls.line_b = cls._track(
            cls.ticket_b,
            2,
            user=cls.agent_b,
            support_billable=False,
            name="Internal: the customer broke it",
        )

    def test_agent_sees_tracking_of_visible_tickets_only(self):
        Line = self.env["account.analytic.line"].with_user(self.agent)
        lines = Line.search([("id", "in", (self.line_a | self.line_b).ids)])
        self.assertEqual(lines, self.line_a)
        with self.assertRaises(AccessError):
            self.line_b.with_user(self.agent).read(["unit_amount"])
        # and not through the ticket's own field either
        self.assertEqual(
            Line.search_count([("support_ticket_id", "=", self.ticket_b.id)]), 0
        )

    def test_agent_cannot_edit_or_add_tracking_of_invisible_tickets(self):
        with self.assertRaises(AccessError):
            self.line_b.with_user(self.agent).write({"unit_amount": 5})
        with self.assertRaises(AccessError):
            self.line_b.with_user(self.agent).unlink()
        with self.assertRaises(AccessError):
            self._track(self.ticket_b, 1, user=self.agent)
        with self.assertRaises(AccessError):
            self.line_a.with_user(self.agent).write(
                {"support_ticket_id": self.ticket_b.id}
            )
        self.assertEqual(self.ticket_b.tracked_hours, 2)

    def test_agent_sees_colleagues_tracking_on_team_tickets(self):
        colleague_line = self._track(self.ticket_a, 3, user=self.ticket_admin)
        lines = self.ticket_a.with_user(self.agent).timesheet_ids
        self.assertEqual(lines, self.line_a | colleague_line)
        # but edits only their own, like in hr_timesheet
        with self.assertRaises(AccessError):
            colleague_line.with_user(self.agent).write({"unit_amount": 1})
        self.line_a.with_user(self.agent).write({"unit_amount": 1.25})
        self.assertEqual(self.ticket_a.tracked_hours, 4.25)

    def test_ticket_moved_away_hides_its_tracking(self):
        self.ticket_a.team_id = self.team_b
        Line = self.env["account.analytic.line"].with_user(self.agent)
        self.assertFalse(Line.search([("id", "=", self.line_a.id)]))

    def test_manager_sees_and_corrects_all_tracking(self):
        Line = self.env["account.analytic.line"].with_user(self.manager)
        lines = Line.search([("id", "in", (self.line_a | self.line_b).ids)])
        self.assertEqual(lines, self.line_a | self.line_b)
        self.line_b.with_user(self.manager).unit_amount = 1
        self.assertEqual(self.ticket_b.tracked_hours, 1)

    def test_employee_without_timesheet_rights_sees_no_tracking(self):
        Line = self.env["account.analytic.line"].with_user(self.employee)
        with self.assertRaises(AccessError):
            Line.search([("support_ticket_id", "!=", False)])

    def test_portal_user_never_reads_tracking(self):
        Line = self.env["account.analytic.line"].with_user(self.portal_user)
        with self.assertRaises(AccessError):
            Line.search([("support_ticket_id", "!=", False)])
        with self.assertRaises(AccessError):
            self.line_b.with_user(self.portal_user).read(["name"])
        self.assertFalse(
            Line.has_access("read"), "portal users have no access to timesheet lines"
        )

    def test_non_ticket_timesheets_unchanged(self):
        """hr_timesheet's own rules still hold for lines without a ticket."""
        own = self.env["account.analytic.line"].create(
            {
                "name": "Internal meeting",
                "project_id": self.project_b.id,
                "unit_amount": 1,
                "employee_id": self.agent.employee_id.id,
            }
        )
        Line = self.env["account.analytic.line"].with_user(self.agent)
        self.assertFalse(
            Line.search([("id", "=", own.id)]),
            "an agent without timesheet rights sees only the tracking of tickets",
        )
