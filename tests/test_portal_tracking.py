from odoo.tests import tagged

from .test_portal import SupportPortalCommon


@tagged("post_install", "-at_install")
class TestPortalTracking(SupportPortalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.project = cls.env["project.project"].create({"name": "ACME assistance"})
        cls.contract = cls.env["support.contract"].create(
            {
                "name": "ACME",
                "partner_id": cls.customer.id,
                "date_start": "2020-01-01",
                "project_id": cls.project.id,
                "state": "active",
            }
        )
        cls.ticket_a.contract_id = cls.contract
        employee = cls.env["hr.employee"].create(
            {"name": "Agent", "user_id": cls.agent.id}
        )
        Line = cls.env["account.analytic.line"]
        for name, hours, billable in (
            ("Replaced the fuser", 1.5, True),
            ("Internal: blamed the intern", 0.75, False),
        ):
            Line.create(
                {
                    "support_ticket_id": cls.ticket_a.id,
                    "name": name,
                    "unit_amount": hours,
                    "support_billable": billable,
                    "employee_id": employee.id,
                }
            )

    def _page(self):
        self._login(self.portal_a)
        response = self.url_open(f"/my/tickets/{self.ticket_a.id}")
        self.assertEqual(response.status_code, 200)
        return response.text

    def test_hidden_unless_the_contract_says_so(self):
        page = self._page()
        self.assertNotIn("Replaced the fuser", page)
        self.assertNotIn("o_support_portal_tracking", page)

    def test_billable_time_only(self):
        self.contract.portal_show_tracking = True
        page = self._page()
        self.assertIn("o_support_portal_tracking", page)
        self.assertIn("Replaced the fuser", page)
        self.assertIn("01:30", page)
        self.assertNotIn("blamed the intern", page, "non-billable lines stay internal")
        self.assertNotIn("02:15", page)
