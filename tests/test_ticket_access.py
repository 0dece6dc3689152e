from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SupportDeskCommon


@tagged("post_install", "-at_install")
class TestTicketAccess(SupportDeskCommon):
    """Baseline rights: nothing is open to everyone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket_a = cls._create_ticket(name="Team A ticket", team_id=cls.team_a.id)
        cls.ticket_b = cls._create_ticket(name="Team B ticket", team_id=cls.team_b.id)
        cls.ticket_none = cls._create_ticket(name="No team")
        cls.ticket_mine = (
            cls.env["support.ticket"]
            .with_user(cls.employee)
            .create({"name": "Employee ticket", "team_id": cls.team_b.id})
        )
        cls.all_tickets = (
            cls.ticket_a | cls.ticket_b | cls.ticket_none | cls.ticket_mine
        )

    def _visible(self, user):
        return (
            self.env["support.ticket"]
            .with_user(user)
            .search([("id", "in", self.all_tickets.ids)])
        )

    def test_visibility_matrix(self):
        expected = {
            self.employee: self.ticket_mine,
            self.agent: self.ticket_a | self.ticket_none,
            self.agent_b: self.ticket_b | self.ticket_none | self.ticket_mine,
            self.ticket_admin: self.ticket_a | self.ticket_none,
            self.manager: self.all_tickets,
        }
        for user, tickets in expected.items():
            with self.subTest(user=user.login):
                self.assertEqual(self._visible(user), tickets)

    def test_portal_has_no_backend_access(self):
        # Portal users read their own tickets only (see test_portal_security).
        self.assertFalse(
            self.env["support.ticket"].with_user(self.portal_user).search([])
        )
        with self.assertRaises(AccessError):
            self.ticket_a.with_user(self.portal_user).write({"name": "x"})
        with self.assertRaises(AccessError):
            self.ticket_a.with_user(self.portal_user).read(["name"])

    def test_employee_sees_assigned_in_charge_followed_shared(self):
        visible = self._visible(self.employee)
        self.assertNotIn(self.ticket_a, visible)
        self.ticket_a.user_id = self.employee
        self.ticket_b.in_charge_user_id = self.employee
        self.ticket_none.message_subscribe(partner_ids=self.employee.partner_id.ids)
        self.assertEqual(self._visible(self.employee), self.all_tickets)
        shared = self._create_ticket(name="Shared", team_id=self.team_b.id)
        self.assertNotIn(shared, self._visible(self.employee))
        shared.shared_user_ids = self.employee
        self.assertIn(
            shared, self.env["support.ticket"].with_user(self.employee).search([])
        )
        shared.shared_user_ids = False
        self.assertNotIn(
            shared, self.env["support.ticket"].with_user(self.employee).search([])
        )

    def test_shared_with_team(self):
        self.assertNotIn(self.ticket_b, self._visible(self.agent))
        self.ticket_b.shared_team_ids = self.team_a
        self.assertIn(self.ticket_b, self._visible(self.agent))

    def test_followed_or_shared_filter(self):
        """The search behind the rule: followers, shared users and shared teams."""
        Ticket = self.env["support.ticket"].with_user(self.agent_b)
        domain = [("id", "in", self.all_tickets.ids)]
        self.assertFalse(Ticket.search(domain + [("is_followed_or_shared", "=", True)]))
        self.ticket_a.message_subscribe(partner_ids=self.agent_b.partner_id.ids)
        self.ticket_none.shared_user_ids = self.agent_b
        self.ticket_mine.shared_team_ids = self.team_b
        followed = self.ticket_a | self.ticket_none | self.ticket_mine
        self.assertEqual(
            Ticket.sudo(False).search(domain + [("is_followed_or_shared", "=", True)]),
            followed,
        )
        self.assertEqual(
            Ticket.search(domain + [("is_followed_or_shared", "!=", True)]),
            self.ticket_b,
        )
        self.assertTrue(self.ticket_a.with_user(self.agent_b).is_followed_or_shared)
        self.assertFalse(self.ticket_b.with_user(self.agent_b).is_followed_or_shared)
        with self.assertRaises(UserError):
            Ticket.search([("is_followed_or_shared", "in", [True])])

    def test_followed_or_shared_not_own(self):
        """The portal rule's branch leaves out the user's own tickets (the rule
        grants them by itself) and keeps every other followed or shared one."""
        portal_partner = self.portal_user.partner_id
        account = self._create_ticket(name="As account", partner_id=portal_partner.id)
        portal_partner.parent_id = self.other_customer
        own = self._create_ticket(
            name="As contact",
            partner_id=self.other_customer.id,
            partner_contact_id=portal_partner.id,
        )
        followed = self.ticket_b
        shared = self.ticket_none
        (own | account | followed).message_subscribe(partner_ids=portal_partner.ids)
        shared.shared_user_ids = self.portal_user
        Ticket = self.env["support.ticket"].with_user(self.portal_user)
        tickets = self.all_tickets | own | account
        domain = [("id", "in", tickets.ids)]
        # as the portal user, record rules aside (sudo keeps the user)
        as_portal = Ticket.sudo()
        self.assertEqual(
            as_portal.search(domain + [("is_followed_or_shared", "=", True)]),
            own | account | followed | shared,
        )
        self.assertEqual(
            as_portal.search(domain + [("is_followed_or_shared_not_own", "=", True)]),
            followed | shared,
        )
        self.assertTrue(
            followed.with_user(self.portal_user).is_followed_or_shared_not_own
        )
        self.assertFalse(own.with_user(self.portal_user).is_followed_or_shared_not_own)
        self.assertTrue(own.with_user(self.portal_user).is_followed_or_shared)
        # and the portal rule still shows all four to the customer
        self.assertEqual(Ticket.search(domain), own | account | followed | shared)
        followed.message_unsubscribe(partner_ids=portal_partner.ids)
        self.assertEqual(Ticket.search(domain), own | account | shared)

    def test_followed_or_shared_not_own_internal(self):
        """For employees, "own" is what their rule grants anyway: opened,
        assigned or in charge; their other followed tickets stay readable."""
        assigned = self._create_ticket(
            name="Assigned", team_id=self.team_b.id, user_id=self.employee.id
        )
        in_charge = self._create_ticket(name="In charge", team_id=self.team_b.id)
        in_charge.in_charge_user_id = self.employee
        followed = self.ticket_b
        # ticket_mine was created by the employee: back to the test's env
        tickets = (self.ticket_mine | assigned | in_charge | followed).with_env(
            self.env
        )
        tickets.message_subscribe(partner_ids=self.employee.partner_id.ids)
        Ticket = self.env["support.ticket"].with_user(self.employee)
        domain = [("id", "in", tickets.ids)]
        self.assertEqual(
            Ticket.sudo().search(domain + [("is_followed_or_shared", "=", True)]),
            tickets,
        )
        self.assertEqual(
            Ticket.sudo().search(
                domain + [("is_followed_or_shared_not_own", "=", True)]
            ),
            followed,
        )
        self.assertFalse(
            assigned.with_user(self.employee).is_followed_or_shared_not_own
        )
        self.assertTrue(followed.with_user(self.employee).is_followed_or_shared_not_own)
        self.assertEqual(Ticket.search(domain), tickets)
        # read only: following gives no write
        with self.assertRaises(AccessError):
            followed.with_user(self.employee).write({"name": "x"})
        assigned.with_user(self.employee).write({"name": "Still mine"})

    def test_hidden_ticket_cannot_be_read_or_written(self):
        with self.assertRaises(AccessError):
            self.ticket_b.with_user(self.agent).read(["name"])
        with self.assertRaises(AccessError):
            self.ticket_b.with_user(self.agent).write({"name": "Hacked"})
        self.assertEqual(self.ticket_b.name, "Team B ticket")

    def test_only_manager_deletes(self):
        for user in (self.employee, self.agent, self.ticket_admin):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.ticket_mine.with_user(user).unlink()
        self.ticket_mine.with_user(self.manager).unlink()
        self.assertFalse(self.ticket_mine.exists())

    def test_configuration_is_for_managers(self):
        for model in (
            "support.stage",
            "support.team",
            "support.ticket.type",
            "support.priority",
        ):
            with self.subTest(model=model):
                with self.assertRaises(AccessError):
                    self.env[model].with_user(self.agent).create({"name": "X"})
                record = (
                    self.env[model]
                    .with_user(self.manager)
                    .create({"name": f"X {model}"})
                )
                self.assertTrue(record.with_user(self.agent).read(["name"]))
        with self.assertRaises(AccessError):
            self.env["support.tag"].with_user(self.employee).create({"name": "Nope"})
        self.env["support.tag"].with_user(self.agent).create({"name": "Agent tag"})

    def test_other_company_is_invisible(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        team = self.env["support.team"].create(
            {"name": "Other team", "company_id": other_company.id}
        )
        self.manager.company_ids = [(4, other_company.id)]
        ticket = self._create_ticket(name="Other company ticket", team_id=team.id)
        self.assertEqual(ticket.company_id, other_company)
        team.member_ids = self.agent
        self.assertFalse(
            self.env["support.ticket"]
            .with_user(self.agent)
            .search([("id", "=", ticket.id)])
        )
        visible = (
            self.env["support.ticket"]
            .with_user(self.manager)
            .with_context(allowed_company_ids=[self.company.id, other_company.id])
            .search([("id", "=", ticket.id)])
        )
        self.assertEqual(visible, ticket)
