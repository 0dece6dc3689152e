from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import SupportDeskCommon

COUNTS = (
    "support_ticket_count",
    "support_contract_count",
    "support_equipment_count",
    "support_project_count",
    "support_contact_count",
)


@tagged("post_install", "-at_install")
class TestPartnerCard(SupportDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.second_contact = cls.env["res.partner"].create(
            {"name": "Carla Verdi", "parent_id": cls.customer.id}
        )
        Contract = cls.env["support.contract"]
        cls.contract = Contract.create(
            {
                "name": "ACME Gold",
                "partner_id": cls.customer.id,
                "date_start": "2020-01-01",
                "state": "active",
            }
        )
        cls.old_contract = Contract.create(
            {
                "name": "ACME Old",
                "partner_id": cls.customer.id,
                "date_start": "2010-01-01",
                "date_end": "2011-01-01",
                "state": "expired",
            }
        )
        # A contract where ACME is the final customer of a reseller.
        cls.resold = Contract.create(
            {
                "name": "Globex for ACME",
                "partner_id": cls.other_customer.id,
                "final_partner_id": cls.customer.id,
                "date_start": "2020-01-01",
                "state": "active",
            }
        )
        cls.asset = cls.env["maintenance.equipment"].create(
            {
                "name": "ACME Printer",
                "support_partner_id": cls.customer.id,
                "support_contract_id": cls.contract.id,
            }
        )
        cls.project = cls.env["project.project"].create(
            {"name": "ACME Rollout", "partner_id": cls.customer_contact.id}
        )
        cls.ticket_a = cls._create_ticket(team_id=cls.team_a.id)
        cls.ticket_b = cls._create_ticket(team_id=cls.team_b.id)
        cls.ticket_closed = cls._create_ticket(team_id=cls.team_a.id)
        cls.ticket_closed.stage_id = cls.stage_done
        cls.ticket_final = cls._create_ticket(
            partner_id=cls.other_customer.id,
            final_partner_id=cls.customer.id,
            team_id=cls.team_a.id,
        )

    def _counts(self, partner):
        partner.invalidate_recordset()
        return {name: partner[name] for name in COUNTS}

    def test_counts_manager(self):
        partners = (
            self.customer | self.customer_contact | self.other_customer
        ).with_user(self.manager)
        self.assertEqual(
            self._counts(partners[0]),
            {
                "support_ticket_count": 3,
                "support_contract_count": 2,
                "support_equipment_count": 1,
                "support_project_count": 1,
                "support_contact_count": 2,
            },
        )
        # A contact shows the numbers of its company.
        self.assertEqual(self._counts(partners[1]), self._counts(partners[0]))
        self.assertEqual(
            self._counts(partners[2]),
            {
                "support_ticket_count": 1,
                "support_contract_count": 1,
                "support_equipment_count": 0,
                "support_project_count": 0,
                "support_contact_count": 1,
            },
        )

    def test_counts_respect_access(self):
        # The agent reads the tickets of team A only.
        customer = self.customer.with_user(self.agent)
        self.assertEqual(self._counts(customer)["support_ticket_count"], 2)
        self.assertEqual(self._counts(customer)["support_equipment_count"], 1)
        # A plain employee reads neither the tickets nor the assets (Maintenance
        # shows the assets one follows).
        employee = self.customer.with_user(self.employee)
        self.assertEqual(self._counts(employee)["support_ticket_count"], 0)
        self.assertEqual(self._counts(employee)["support_equipment_count"], 0)
        self.assertFalse(employee.support_equipment_ids)

    def test_counts_batched(self):
        Partner = self.env["res.partner"]
        extra = Partner.create(
            [{"name": f"Co {i}", "is_company": True} for i in range(4)]
        )
        Partner.create(
            [{"name": f"Contact {i}", "parent_id": extra[i].id} for i in range(4)]
        )
        few = (self.customer | self.other_customer).with_user(self.manager)
        many = (few | extra).with_user(self.manager)

        def queries(partners):
            partners.invalidate_model()
            before = self.env.cr.sql_log_count
            partners.mapped("support_ticket_count")
            partners.mapped("support_contract_count")
            partners.mapped("support_project_count")
            partners.mapped("support_contact_count")
            return self.env.cr.sql_log_count - before

        queries(many)  # warm the caches of record rules and access rights
        self.assertEqual(queries(few), queries(many), "no query per partner")
        self.assertEqual(many[2:].mapped("support_contact_count"), [1, 1, 1, 1])

    def test_card_content(self):
        customer = self.customer.with_user(self.agent)
        self.assertEqual(
            customer.support_card_contract_ids, self.contract | self.resold
        )
        self.assertEqual(customer.support_equipment_ids, self.asset)
        self.assertEqual(customer.support_card_project_ids, self.project)
        # Open tickets only, as account or final customer, and only readable ones.
        self.assertEqual(
            customer.support_card_ticket_ids, self.ticket_a | self.ticket_final
        )
        manager = self.customer.with_user(self.manager)
        self.assertEqual(
            manager.support_card_ticket_ids,
            self.ticket_a | self.ticket_b | self.ticket_final,
        )

    def test_prepaid_hours(self):
        """Bought, used (billable tracking) and left hours of the customer's
        active prepaid contracts, as account or as final customer."""
        self.contract.write({"service_mode": "prepaid", "hours_bought": 10})
        self.resold.write({"service_mode": "prepaid", "hours_bought": 4})
        self.old_contract.write({"service_mode": "prepaid", "hours_bought": 100})
        # A draft prepaid contract of another period counts for nothing yet.
        self.env["support.contract"].create(
            {
                "name": "ACME Next",
                "partner_id": self.customer.id,
                "date_start": "2010-02-01",
                "date_end": "2010-12-31",
                "service_mode": "prepaid",
                "hours_bought": 50,
            }
        )
        self.assertEqual(self.ticket_a.contract_id, self.contract)
        self.assertEqual(self.ticket_final.contract_id, self.resold)
        worker = self.env["hr.employee"].create({"name": "Card Worker"})
        for ticket, hours, billable in (
            (self.ticket_a, 2.5, True),
            (self.ticket_a, 3, False),
            (self.ticket_final, 1, True),
        ):
            self.env["account.analytic.line"].create(
                {
                    "support_ticket_id": ticket.id,
                    "unit_amount": hours,
                    "support_billable": billable,
                    "employee_id": worker.id,
                    "name": "Work",
                }
            )

        def hours(partner, user):
            partner = partner.with_user(user)
            partner.invalidate_recordset()
            return (
                partner.support_prepaid_hours_bought,
                partner.support_prepaid_hours_used,
                partner.support_prepaid_hours_left,
            )

        self.assertEqual(hours(self.customer, self.agent), (14, 3.5, 10.5))
        # A contact shows its company's; the reseller only its own contract.
        self.assertEqual(hours(self.customer_contact, self.agent), (14, 3.5, 10.5))
        self.assertEqual(hours(self.other_customer, self.agent), (4, 1, 3))
        # A standard contract has no prepaid hours.
        self.resold.service_mode = "standard"
        self.assertEqual(hours(self.other_customer, self.agent), (0, 0, 0))
        # Contracts are for helpdesk users: an employee reads no hours.
        self.assertEqual(hours(self.customer, self.employee), (0, 0, 0))

    def test_sales_and_crm_on_the_card(self):
        """Quotations, orders and opportunities when Sales / CRM are installed
        (never a dependency), counted in the user's rights."""
        partner = self.customer.with_user(self.manager)
        if "sale.order" not in self.env:
            self.assertFalse(partner.support_card_has_sale)
            self.assertEqual(partner.support_quotation_count, 0)
            with self.assertRaises(UserError):
                partner.action_view_support_quotations()
        if "crm.lead" not in self.env:
            self.assertFalse(partner.support_card_has_crm)
            self.assertEqual(partner.support_opportunity_count, 0)
            with self.assertRaises(UserError):
                partner.action_view_support_opportunities()
        if "sale.order" not in self.env or "crm.lead" not in self.env:
            return
        # Both installed (scripts/test.sh -i support_desk,sale,crm).
        seller = new_test_user(
            self.env, login="sd_seller", groups="sales_team.group_sale_salesman"
        )
        Order = self.env["sale.order"]
        Order.create(
            [
                {"partner_id": self.customer.id, "user_id": seller.id},
                {"partner_id": self.customer_contact.id, "user_id": seller.id},
                {"partner_id": self.other_customer.id, "user_id": seller.id},
            ]
        )
        confirmed = Order.create({"partner_id": self.customer.id, "user_id": seller.id})
        confirmed.state = "sale"
        # Another seller's order: a salesman reads only their own.
        Order.create({"partner_id": self.customer.id})
        Lead = self.env["crm.lead"]
        Lead.create(
            [
                {
                    "name": "ACME upgrade",
                    "type": "opportunity",
                    "partner_id": self.customer_contact.id,
                    "user_id": seller.id,
                },
                {"name": "ACME lead", "type": "lead", "partner_id": self.customer.id},
            ]
        )
        card = self.customer.with_user(seller)
        self.assertTrue(card.support_card_has_sale)
        self.assertTrue(card.support_card_has_crm)
        self.assertEqual(card.support_quotation_count, 2)
        self.assertEqual(card.support_sale_order_count, 1)
        self.assertEqual(card.support_opportunity_count, 1)
        action = card.action_view_support_quotations()
        self.assertEqual(len(Order.with_user(seller).search(action["domain"])), 2)
        action = card.action_view_support_opportunities()
        self.assertEqual(action["res_model"], "crm.lead")
        self.assertEqual(
            Lead.with_user(seller).search(action["domain"]).name, "ACME upgrade"
        )
        # A helpdesk manager without Sales rights sees neither.
        self.assertFalse(partner.support_card_has_sale)
        self.assertEqual(partner.support_quotation_count, 0)
        with self.assertRaises(UserError):
            partner.action_view_support_sale_orders()

    def test_ticket_opens_card(self):
        ticket = self.ticket_final.with_user(self.agent)
        action = ticket.action_support_partner_card()
        card = self.env.ref("support_desk.res_partner_view_form_support_card")
        self.assertEqual(action["res_model"], "res.partner")
        self.assertEqual(action["res_id"], self.other_customer.id)
        self.assertEqual(action["target"], "new")
        self.assertEqual(action["views"], [(card.id, "form")])
        action = ticket.with_context(
            support_card_field="final_partner_id"
        ).action_support_partner_card()
        self.assertEqual(action["res_id"], self.customer.id)
        # The card of a contact is its company's.
        self.ticket_a.partner_contact_id = self.customer_contact
        action = self.customer_contact.action_support_open_card()
        self.assertEqual(action["res_id"], self.customer.id)

    def test_ticket_card_unhappy(self):
        with self.assertRaises(UserError):
            self.ticket_a.with_context(
                support_card_field="final_partner_id"
            ).action_support_partner_card()
        with self.assertRaises(UserError):
            self.ticket_a.with_context(
                support_card_field="user_id"
            ).action_support_partner_card()

    def test_card_view_loads_and_lists(self):
        card = self.env.ref("support_desk.res_partner_view_form_support_card")
        partner = self.customer.with_user(self.agent)
        partner.get_views([(card.id, "form")])
        for method, model in (
            ("action_view_support_tickets", "support.ticket"),
            ("action_view_support_open_tickets", "support.ticket"),
            ("action_view_support_contracts", "support.contract"),
            ("action_view_support_equipment", "maintenance.equipment"),
            ("action_view_support_projects", "project.project"),
            ("action_view_support_contacts", "res.partner"),
        ):
            action = getattr(partner, method)()
            self.assertEqual(action["res_model"], model)
            records = self.env[model].with_user(self.agent).search(action["domain"])
            self.assertTrue(records, method)
        contacts = self.env["res.partner"].search(
            partner.action_view_support_contacts()["domain"]
        )
        self.assertEqual(contacts, self.customer_contact | self.second_contact)
        projects = self.env["project.project"].search(
            partner.action_view_support_projects()["domain"]
        )
        self.assertEqual(projects, self.project)


@tagged("post_install", "-at_install")
class TestPartnerCardUi(HttpCase):
    def test_partner_card_tour(self):
        team = self.env["support.team"].create({"name": "Card Team"})
        agent = new_test_user(
            self.env,
            login="card_agent",
            groups="support_desk.group_support_agent",
            name="Card Agent",
        )
        team.member_ids = agent
        customer = self.env["res.partner"].create(
            {"name": "Card Customer", "is_company": True, "vat": "IT12345678903"}
        )
        contract = self.env["support.contract"].create(
            {
                "name": "Card Gold Contract",
                "partner_id": customer.id,
                "date_start": "2020-01-01",
                "state": "active",
            }
        )
        self.env["maintenance.equipment"].create(
            {
                "name": "Card Laser Printer",
                "support_partner_id": customer.id,
                "support_contract_id": contract.id,
            }
        )
        ticket = self.env["support.ticket"].create(
            {"name": "Paper jam", "partner_id": customer.id, "team_id": team.id}
        )
        self.start_tour(
            f"/odoo/action-support_desk.support_ticket_action/{ticket.id}",
            "support_desk_partner_card_tour",
            login=agent.login,
        )

    def test_card_and_related_on_new_ticket_tour(self):
        """While a ticket is created: the card of the account just chosen, with
        its prepaid hours, and related tickets picked among its tickets."""
        team = self.env["support.team"].create({"name": "Card Team"})
        agent = new_test_user(
            self.env,
            login="card_agent2",
            groups="support_desk.group_support_agent",
            name="Card Agent",
        )
        team.member_ids = agent
        Partner = self.env["res.partner"]
        customer = Partner.create({"name": "Prepaid Customer", "is_company": True})
        other = Partner.create({"name": "Unrelated Customer", "is_company": True})
        self.env["support.contract"].create(
            {
                "name": "Prepaid Block",
                "partner_id": customer.id,
                "date_start": "2020-01-01",
                "state": "active",
                "service_mode": "prepaid",
                "hours_bought": 7.5,
            }
        )
        Ticket = self.env["support.ticket"]
        own = Ticket.create(
            {"name": "Jam in tray one", "partner_id": customer.id, "team_id": team.id}
        )
        foreign = Ticket.create(
            {"name": "Jam in tray two", "partner_id": other.id, "team_id": team.id}
        )
        self.start_tour(
            "/odoo/action-support_desk.support_ticket_action/new",
            "support_desk_partner_card_new_ticket_tour",
            login=agent.login,
        )
        ticket = Ticket.search([("name", "=", "Toner empty")])
        self.assertEqual(ticket.partner_id, customer)
        self.assertEqual(ticket.related_ticket_ids, own | foreign)
