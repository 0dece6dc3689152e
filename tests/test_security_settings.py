"""Issue 18, classes 7 and 8: customer settings, contracts and the time of others,
attacked over JSON-RPC on a served instance."""

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import JsonRpcMixin, SupportDeskCommon
from .test_tracking import TrackingCommon


@tagged("post_install", "-at_install")
class TestSecurityCustomerSettings(JsonRpcMixin, SupportDeskCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Employees who edit contacts (Odoo's "Contact Creation" right): the
        # helpdesk settings stay out of their reach, the rest of the partner not.
        cls.clerk = new_test_user(
            cls.env,
            login="sd_clerk",
            groups="base.group_user,base.group_partner_manager",
            name="Clerk",
        )
        cls.agent_clerk = new_test_user(
            cls.env,
            login="sd_agent_clerk",
            groups="support_desk.group_support_agent,base.group_partner_manager",
            name="Agent Clerk",
        )
        cls.type_hw = cls.env["support.ticket.type"].create({"name": "Hardware"})
        cls.contract = cls.env["support.contract"].create(
            {
                "name": "Gold",
                "partner_id": cls.customer.id,
                "hours_bought": 40,
                "notes": "<p>Discount 30%, do not tell</p>",
            }
        )
        cls.contract.action_activate()

    def _settings(self, partner):
        partner = partner.sudo()
        return (
            partner.support_portal_company_visible,
            partner.support_final_partner_ids,
            partner.support_type_ids,
        )

    def test_employee_and_agent_cannot_change_customer_settings(self):
        before = self._settings(self.customer)
        attempts = [
            {"support_portal_company_visible": True},
            {"support_final_partner_ids": [Command.set(self.other_customer.ids)]},
            {"support_type_ids": [Command.link(self.type_hw.id)]},
        ]
        for user in (self.clerk, self.agent_clerk):
            for vals in attempts:
                with self.subTest(user=user.login, vals=vals):
                    answer = self._rpc(
                        user, "res.partner", "write", self.customer.ids, vals
                    )
                    self.assertRpcRefused(answer, message="Only helpdesk managers")
                    self.assertEqual(self._settings(self.customer), before)
        # Nor through the ticket type's side of the same relation.
        answer = self._rpc(
            self.employee,
            "support.ticket.type",
            "write",
            self.type_hw.ids,
            {"partner_ids": [Command.link(self.customer.id)]},
        )
        self.assertRpcRefused(answer)
        self.assertEqual(self._settings(self.customer), before)

    def test_employee_cannot_create_a_partner_with_settings(self):
        answer = self._rpc(
            self.clerk,
            "res.partner",
            "create",
            {
                "name": "Planted Srl",
                "is_company": True,
                "support_portal_company_visible": True,
            },
        )
        self.assertRpcRefused(answer, message="Only helpdesk managers")
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Planted Srl")]))

    def test_employee_still_edits_partners(self):
        answer = self._rpc(
            self.clerk,
            "res.partner",
            "write",
            self.customer.ids,
            {"phone": "+39 02 5555 5555"},
        )
        self.assertTrue(answer["result"])
        self.assertEqual(self.customer.phone, "+39 02 5555 5555")
        answer = self._rpc(
            self.clerk, "res.partner", "create", {"name": "New Customer Srl"}
        )
        self.assertTrue(answer["result"])

    def test_manager_changes_customer_settings(self):
        # A helpdesk manager may edit contacts (Contact Creation is implied).
        self.assertTrue(self.manager.has_group("base.group_partner_manager"))
        answer = self._rpc(
            self.manager,
            "res.partner",
            "write",
            self.customer.ids,
            {
                "support_portal_company_visible": True,
                "support_final_partner_ids": [Command.set(self.other_customer.ids)],
                "support_type_ids": [Command.link(self.type_hw.id)],
            },
        )
        self.assertTrue(answer["result"])
        self.assertEqual(
            self._settings(self.customer), (True, self.other_customer, self.type_hw)
        )

    def test_employee_cannot_read_contracts(self):
        for method, args in (
            ("read", [self.contract.ids, ["notes", "hours_bought"]]),
            ("search_read", [[], ["notes"]]),
        ):
            with self.subTest(method=method):
                answer = self._rpc(self.employee, "support.contract", method, *args)
                self.assertRpcRefused(answer)
        answer = self._rpc(
            self.agent, "support.contract", "read", self.contract.ids, ["hours_bought"]
        )
        self.assertEqual(answer["result"][0]["hours_bought"], 40)

    def test_employee_ticket_and_partner_still_work_without_contracts(self):
        answer = self._rpc(
            self.employee,
            "support.ticket",
            "create",
            {"name": "Screen flickers", "partner_id": self.customer.id},
        )
        ticket = self.env["support.ticket"].browse(answer["result"])
        self.assertEqual(ticket.contract_id, self.contract, "found in sudo")
        answer = self._rpc(
            self.employee,
            "support.ticket",
            "web_read",
            ticket.ids,
            specification={"name": {}, "contract_id": {"fields": {"display_name": {}}}},
        )
        self.assertEqual(
            answer["result"][0]["contract_id"],
            {"id": self.contract.id, "display_name": "Gold"},
        )
        answer = self._rpc(
            self.employee,
            "res.partner",
            "read",
            self.customer.ids,
            ["support_contract_count", "support_card_contract_ids"],
        )
        values = answer["result"][0]
        self.assertEqual(values["support_contract_count"], 0)
        self.assertEqual(values["support_card_contract_ids"], [])


@tagged("post_install", "-at_install")
class TestSecurityTrackingOthers(JsonRpcMixin, TrackingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = new_test_user(
            cls.env,
            login="sd_approver",
            groups="support_desk.group_support_agent,"
            "hr_timesheet.group_hr_timesheet_approver",
            name="Approver",
        )
        cls.env["hr.employee"].create({"name": "Approver", "user_id": cls.approver.id})
        cls.team_a.member_ids |= cls.approver
        cls.ticket = cls._create_ticket(team_id=cls.team_a.id)
        cls.own_line = cls._track(cls.ticket, 1, user=cls.agent)
        cls.colleague_line = cls._track(cls.ticket, 2, user=cls.ticket_admin)
        cls.colleague = cls.ticket_admin.employee_id

    def _lines(self):
        return self.env["account.analytic.line"].search(
            [("support_ticket_id", "=", self.ticket.id)]
        )

    def _snapshot(self):
        return [
            (line.id, line.employee_id, line.unit_amount)
            for line in self._lines().sorted("id")
        ]

    def _new_line(self, **vals):
        return dict(
            {"support_ticket_id": self.ticket.id, "unit_amount": 3, "name": "Mine?"},
            **vals,
        )

    def test_agent_cannot_track_in_another_employees_name(self):
        before = self._snapshot()
        attempts = [
            ((self._new_line(employee_id=self.colleague.id),), {}),
            ((self._new_line(user_id=self.ticket_admin.id),), {}),
            (
                (self._new_line(),),
                {"context": {"default_employee_id": self.colleague.id}},
            ),
        ]
        for args, kwargs in attempts:
            with self.subTest(args=args, kwargs=kwargs):
                answer = self._rpc(
                    self.agent, "account.analytic.line", "create", *args, **kwargs
                )
                self.assertRpcRefused(answer)
                self.assertEqual(self._snapshot(), before)

    def test_agent_cannot_change_or_delete_anothers_line(self):
        before = self._snapshot()
        Line = "account.analytic.line"
        for method, args in (
            ("unlink", [self.colleague_line.ids]),
            ("write", [self.colleague_line.ids, {"unit_amount": 0.1}]),
            ("write", [self.own_line.ids, {"employee_id": self.colleague.id}]),
        ):
            with self.subTest(method=method, args=args):
                answer = self._rpc(self.agent, Line, method, *args)
                self.assertRpcRefused(answer)
                self.assertEqual(self._snapshot(), before)

    def test_the_lines_employee_handles_it(self):
        answer = self._rpc(
            self.agent,
            "account.analytic.line",
            "write",
            self.own_line.ids,
            {"unit_amount": 1.5},
        )
        self.assertTrue(answer["result"])
        self.assertEqual(self.own_line.unit_amount, 1.5)
        answer = self._rpc(
            self.agent, "account.analytic.line", "create", self._new_line()
        )
        created = self.env["account.analytic.line"].browse(answer["result"])
        self.assertEqual(created.employee_id.user_id, self.agent)
        answer = self._rpc(
            self.agent, "account.analytic.line", "unlink", self.own_line.ids
        )
        self.assertTrue(answer["result"])
        self.assertFalse(self.own_line.exists())

    def test_approver_and_manager_handle_others_lines(self):
        answer = self._rpc(
            self.approver,
            "account.analytic.line",
            "create",
            self._new_line(employee_id=self.agent.employee_id.id),
        )
        created = self.env["account.analytic.line"].browse(answer["result"])
        self.assertEqual(created.employee_id.user_id, self.agent)
        answer = self._rpc(
            self.manager,
            "account.analytic.line",
            "write",
            self.colleague_line.ids,
            {"unit_amount": 2.5},
        )
        self.assertTrue(answer["result"])
        self.assertEqual(self.colleague_line.unit_amount, 2.5)
        answer = self._rpc(
            self.approver, "account.analytic.line", "unlink", self.colleague_line.ids
        )
        self.assertTrue(answer["result"])
        self.assertFalse(self.colleague_line.exists())
