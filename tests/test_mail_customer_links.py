from odoo.tests import tagged

from .common import SupportMailCommon
from .test_mail_gateway import make_mail


@tagged("post_install", "-at_install")
class TestMailCustomerLinks(SupportMailCommon):
    """Associa Contratto / Associa Progetto: a team's alias gives a customer
    company writing for the first time a draft contract and a project."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Ticket = cls.env["support.ticket"]
        cls.Contract = cls.env["support.contract"].with_context(active_test=False)
        cls.Project = cls.env["project.project"].with_context(active_test=False)
        cls.policy = cls.env["support.sla.policy"].create({"name": "Team Policy"})
        cls.team_a.write({"sla_policy_id": cls.policy.id, "user_id": cls.agent.id})

    def _switch(self, team, contract=True, project=True):
        team.write({"mail_create_contract": contract, "mail_create_project": project})

    def _counts(self):
        return self.Contract.search_count([]), self.Project.search_count([])

    def test_switches_off_create_nothing(self):
        before = self._counts()
        ticket = self.Ticket.browse(
            self._process(make_mail(sender="Dino <dino@newco.example>"))
        )
        # "Genera Azienda" alone: the company, no contract, no project
        self.assertEqual(ticket.partner_id.name, "newco.example")
        self.assertFalse(ticket.project_id)
        self.assertEqual(self._counts(), before)

    def test_new_company_gets_contract_and_project(self):
        self._switch(self.team_a)
        ticket = self.Ticket.browse(
            self._process(make_mail(sender="Dino <dino@newco.example>"))
        )
        company = ticket.partner_id
        self.assertEqual(company.name, "newco.example")
        contract = self.Contract.search([("partner_id", "=", company.id)])
        self.assertEqual(len(contract), 1)
        self.assertEqual(contract.name, "newco.example")
        self.assertEqual(contract.state, "draft")
        self.assertEqual(contract.sla_policy_id, self.policy)
        self.assertEqual(contract.user_id, self.agent)
        project = ticket.project_id
        self.assertEqual(project.name, "newco.example")
        self.assertEqual(project.partner_id, company)
        self.assertTrue(project.allow_timesheets)
        self.assertEqual(contract.project_id, project)
        # A draft is no contract of the ticket yet; its time goes to the project.
        self.assertFalse(ticket.contract_id)
        self.assertEqual(ticket._get_tracking_project(), project)
        # A second mail from the same company creates nothing new.
        before = self._counts()
        second = self.Ticket.browse(
            self._process(
                make_mail(sender="Ezio <ezio@newco.example>", subject="Again")
            )
        )
        self.assertEqual(second.partner_id, company)
        self.assertEqual(second.project_id, project)
        self.assertEqual(self._counts(), before)
        # Once activated, the contract follows the customer's tickets.
        contract.action_activate()
        third = self.Ticket.browse(
            self._process(make_mail(sender="dino@newco.example", subject="Third"))
        )
        self.assertEqual(third.contract_id, contract)
        self.assertEqual(self._counts(), before)

    def test_each_switch_alone(self):
        self._switch(self.team_a, contract=False)
        ticket = self.Ticket.browse(
            self._process(make_mail(sender="Dino <dino@newco.example>"))
        )
        self.assertEqual(ticket.project_id.name, "newco.example")
        self.assertFalse(
            self.Contract.search([("partner_id", "=", ticket.partner_id.id)])
        )
        self._switch(self.team_a, project=False)
        ticket = self.Ticket.browse(
            self._process(make_mail(sender="Ugo <ugo@other.example>"))
        )
        self.assertFalse(ticket.project_id)
        contract = self.Contract.search([("partner_id", "=", ticket.partner_id.id)])
        self.assertEqual(contract.name, "other.example")
        self.assertFalse(contract.project_id)

    def test_known_customer(self):
        """A known company with an active contract gets no draft; its existing
        project is linked, not doubled."""
        self._switch(self.team_a)
        active = self.Contract.create(
            {"name": "ACME 2026", "partner_id": self.customer.id, "state": "active"}
        )
        project = self.Project.create(
            {"name": "ACME support", "partner_id": self.customer.id}
        )
        before = self._counts()
        ticket = self.Ticket.browse(self._process(make_mail()))
        self.assertEqual(ticket.partner_id, self.customer)
        self.assertEqual(ticket.contract_id, active)
        self.assertEqual(ticket.project_id, project)
        self.assertEqual(self._counts(), before)
        # A cancelled contract is no contract: the customer gets a new draft.
        active.action_cancel()
        self._process(make_mail(subject="Again"))
        drafts = self.Contract.search(
            [("partner_id", "=", self.customer.id), ("state", "=", "draft")]
        )
        self.assertEqual(len(drafts), 1)
        self.assertEqual(drafts.project_id, project)

    def test_no_real_customer(self):
        self._switch(self.team_a)
        self._switch(self.team_b)
        # Our own company (a colleague without a user) and an employee of a
        # partner company who is one of our users.
        self.company.partner_id.email = "info@ourco.example"
        self.env["res.partner"].create(
            {
                "name": "Olga",
                "email": "olga@ourco.example",
                "parent_id": self.company.partner_id.id,
            }
        )
        self.agent.partner_id.write(
            {"email": "agent@globex.example", "parent_id": self.other_customer.id}
        )
        before = self._counts()
        senders = [
            ("eva.x@gmail.com", "helpdesk"),  # public provider, no customer
            ("eva.x@gmail.com", "sales-support"),  # public, the default customer
            ("pino@unknown.example", "sales-support"),  # put in the default customer
            ("olga@ourco.example", "helpdesk"),
            ("agent@globex.example", "helpdesk"),
        ]
        for sender, alias in senders:
            ticket = self.Ticket.browse(
                self._process(
                    make_mail(sender=sender, to=f"{alias}@support.example.com")
                )
            )
            self.assertTrue(ticket, sender)
            self.assertFalse(ticket.project_id, sender)
        self.assertEqual(self._counts(), before)
        self.assertFalse(
            self.Contract.search([("partner_id", "=", self.default_customer.id)])
        )

    def test_dropped_mail_creates_nothing(self):
        self._switch(self.team_a)
        partners = self.env["res.partner"].search_count([])
        before = self._counts()
        dropped = [
            make_mail(sender="x@spam.example"),  # blacklisted
            make_mail(
                sender="ooo@newco.example", headers={"Auto-Submitted": "auto-replied"}
            ),
            make_mail(sender="helpdesk@support.example.com"),  # our own alias
        ]
        for raw in dropped:
            self.assertFalse(self._process(raw))
        self.assertEqual(self._counts(), before)
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
