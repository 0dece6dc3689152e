import base64
import io
from datetime import date

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import pdf_text
from .test_tracking import TrackingCommon


@tagged("post_install", "-at_install")
class TestStatement(TrackingCommon, HttpCase):
    """An HttpCase: wkhtmltopdf fetches the report's assets from the test server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.final_customer = cls.env["res.partner"].create(
            {"name": "Final Customer Spa", "is_company": True}
        )
        cls.ticket_1 = cls._create_ticket(
            team_id=cls.team_a.id,
            name="Printer jams",
            final_partner_id=cls.final_customer.id,
        )
        cls.ticket_2 = cls._create_ticket(team_id=cls.team_a.id, name="VPN is down")
        cls.ticket_other = cls._create_ticket(
            team_id=cls.team_a.id,
            name="Mail bounces",
            partner_id=cls.other_customer.id,
        )
        track = cls._track
        cls.lines = {
            "before": track(cls.ticket_1, 7, date=date(2024, 3, 31)),
            "first_day": track(
                cls.ticket_1, 1.5, date=date(2024, 4, 1), name="Cleaned rollers"
            ),
            "middle": track(
                cls.ticket_2,
                2,
                date=date(2024, 4, 15),
                support_tracking_type_id=cls.type_on_site.id,
            ),
            "internal": track(
                cls.ticket_2,
                0.75,
                date=date(2024, 4, 20),
                support_billable=False,
                name="Internal: wrong firmware pushed",
            ),
            "last_day": track(cls.ticket_1, 0.25, date=date(2024, 4, 30)),
            "after": track(cls.ticket_1, 5, date=date(2024, 5, 1)),
            "other": track(cls.ticket_other, 3, date=date(2024, 4, 10)),
        }

    def _wizard(self, **vals):
        vals.setdefault("date_from", date(2024, 4, 1))
        vals.setdefault("date_to", date(2024, 4, 30))
        return self.env["support.statement.wizard"].with_user(self.manager).create(vals)

    def test_default_period_is_the_month_in_the_user_timezone(self):
        self.manager.tz = "Pacific/Auckland"
        # 31 March 12:00 UTC is already 1 April in New Zealand.
        with freeze_time("2024-03-31 12:00:00"):
            wizard = self.env["support.statement.wizard"].with_user(self.manager)
            wizard = wizard.create({})
        self.assertEqual(wizard.date_from, date(2024, 4, 1))
        self.assertEqual(wizard.date_to, date(2024, 4, 30))
        self.manager.tz = "America/Los_Angeles"
        # ... and still 31 March in California.
        with freeze_time("2024-04-01 03:00:00"):
            wizard = self.env["support.statement.wizard"].with_user(self.manager)
            wizard = wizard.create({})
        self.assertEqual(wizard.date_from, date(2024, 3, 1))
        self.assertEqual(wizard.date_to, date(2024, 3, 31))

    def test_totals_are_the_lines_of_the_period_boundaries_included(self):
        data = self._wizard(billable_only=False)._get_statement_data()
        lines = self.lines
        expected = (
            lines["first_day"]
            | lines["middle"]
            | lines["internal"]
            | lines["last_day"]
            | lines["other"]
        )
        self.assertAlmostEqual(data["hours"], sum(expected.mapped("unit_amount")))
        self.assertAlmostEqual(data["hours"], 7.5)
        self.assertAlmostEqual(data["billable_hours"], 6.75)
        by_partner = {c["partner"]: c for c in data["customers"]}
        self.assertEqual(set(by_partner), {self.customer, self.other_customer})
        acme = by_partner[self.customer]
        self.assertAlmostEqual(acme["hours"], 4.5)
        self.assertAlmostEqual(acme["billable_hours"], 3.75)
        tickets = {t["ticket"]: t for t in acme["tickets"]}
        self.assertEqual(
            tickets[self.ticket_1]["lines"], [lines["first_day"], lines["last_day"]]
        )
        self.assertAlmostEqual(tickets[self.ticket_1]["hours"], 1.75)
        self.assertAlmostEqual(tickets[self.ticket_2]["hours"], 2.75)

    def test_billable_only_customers_and_final_customer_grouping(self):
        data = self._wizard(partner_ids=[self.customer.id])._get_statement_data()
        self.assertEqual([c["partner"] for c in data["customers"]], [self.customer])
        self.assertAlmostEqual(data["hours"], 3.75, msg="non-billable time left out")
        data = self._wizard(
            partner_ids=[self.customer.id], group_by_final=True
        )._get_statement_data()
        by_partner = {c["partner"]: c["hours"] for c in data["customers"]}
        self.assertEqual(by_partner, {self.final_customer: 1.75, self.customer: 2.0})
        # the final customer alone selects its tickets
        data = self._wizard(partner_ids=[self.final_customer.id])._get_statement_data()
        self.assertAlmostEqual(data["hours"], 1.75)

    def test_statement_counts_only_what_the_user_sees(self):
        ticket_b = self._create_ticket(team_id=self.team_b.id)
        self._track(ticket_b, 9, date=date(2024, 4, 2))
        wizard = self._wizard(billable_only=False).with_user(self.agent)
        self.assertAlmostEqual(wizard._get_statement_data()["hours"], 7.5)
        self.assertAlmostEqual(
            wizard.with_user(self.manager)._get_statement_data()["hours"], 16.5
        )

    def test_empty_period(self):
        wizard = self._wizard(date_from=date(2020, 1, 1), date_to=date(2020, 1, 31))
        with self.assertRaises(UserError):
            wizard.action_export_xlsx()
        with self.assertRaises(UserError):
            wizard.action_print_pdf()

    def test_xlsx(self):
        wizard = self._wizard(billable_only=False)
        action = wizard.action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn(f"id={wizard.id}", action["url"])
        self.assertTrue(wizard.xlsx_filename.endswith(".xlsx"))
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.xlsx_file)))
        sheet = book.active
        rows = [row for row in sheet.iter_rows(values_only=True) if any(row)]
        header = rows[1]
        hours_col = len(header) - 1
        detail = [r for r in rows[2:] if r[1]]
        self.assertEqual(len(detail), 5, "one row per line of the period")
        self.assertAlmostEqual(sum(r[hours_col] for r in detail), 7.5)
        totals = {r[0]: r[hours_col] for r in rows if r[0] and not r[1]}
        self.assertAlmostEqual(totals["Total ACME Srl"], 4.5)
        self.assertAlmostEqual(totals["Total Globex Spa"], 3.0)
        self.assertAlmostEqual(totals["Grand Total"], 7.5)
        numbers = {r[1] for r in detail}
        self.assertEqual(
            numbers,
            {self.ticket_1.number, self.ticket_2.number, self.ticket_other.number},
        )
        descriptions = [r[6] for r in detail]
        self.assertIn("Cleaned rollers", descriptions)
        self.assertIn("Printer jams", descriptions, "description from the title")

    def test_report_html(self):
        wizard = self._wizard()
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "support_desk.action_report_support_statement", wizard.ids
            )[0]
            .decode()
        )
        self.assertIn("Statement of Tracked Time", html)
        self.assertIn(self.ticket_1.number, html)
        self.assertIn("ACME Srl", html)
        self.assertIn("Globex Spa", html)
        self.assertIn("Cleaned rollers", html)
        self.assertNotIn("Internal: wrong firmware pushed", html, "billable only")
        self.assertEqual(
            wizard.action_print_pdf()["report_name"],
            "support_desk.report_support_statement",
        )

    def test_report_pdf(self):
        wizard = self._wizard(billable_only=False)
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "support_desk.action_report_support_statement", wizard.ids
            )
        )
        self.assertEqual(report_type, "pdf")
        text = pdf_text(self, pdf)
        self.assertIn("Statement of Tracked Time", text)
        self.assertIn(self.ticket_1.number, text)
        self.assertIn("Cleaned rollers", text)
        self.assertIn("Globex Spa", text)
        self.assertIn("07:30", text, "grand total")
        self.assertIn("04:30", text, "total of ACME")
