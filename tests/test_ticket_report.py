from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import html2plaintext

from odoo.addons.base.models.ir_qweb import QWebException

from .common import SupportDeskCommon, pdf_text

SHEET = "support_desk.action_report_support_ticket"


class TicketReportCommon(SupportDeskCommon):
    """A ticket with a description, a public reply and an internal note."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(
            name="Printer jams on page two",
            team_id=cls.team_a.id,
            partner_id=cls.customer.id,
            partner_contact_id=cls.customer_contact.id,
            description="<p>It jams every morning.</p>",
        )
        cls.ticket.message_post(
            body="We replaced the roller.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        cls.ticket.message_post(
            body="Roller from the spare stock.",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )


@tagged("post_install", "-at_install")
class TestTicketReport(TicketReportCommon):
    """The printable ticket sheet."""

    def _pdf_text(self, user):
        """The sheet's text, from the HTML wkhtmltopdf turns into the PDF.

        The PDF itself is rendered by TestTicketReportPdf: here wkhtmltopdf
        would fetch the report assets over HTTP in another transaction, which
        waits on the bundle this test transaction just created.
        """
        Report = self.env["ir.actions.report"].with_user(user)
        html, report_type = Report._render_qweb_html(SHEET, self.ticket.ids)
        self.assertEqual(report_type, "html")
        return html2plaintext(html.decode())

    def test_sheet_has_header_description_and_conversation(self):
        text = self._pdf_text(self.agent)
        self.assertIn(self.ticket.number, text)
        self.assertIn("Printer jams on page two", text)
        self.assertIn("ACME Srl", text)
        self.assertIn("It jams every morning.", text)
        self.assertIn("We replaced the roller.", text)
        self.assertIn("Roller from the spare stock.", text, "agents see notes")
        self.assertIn("Internal note", text)

    def test_customer_never_sees_notes(self):
        # The portal user is the ticket's contact: they may read it.
        self.portal_user.partner_id.parent_id = self.customer
        self.ticket.partner_contact_id = self.portal_user.partner_id
        ticket = self.ticket.with_user(self.portal_user)
        bodies = " ".join(ticket._get_report_messages().mapped("body"))
        self.assertIn("We replaced the roller.", bodies)
        self.assertNotIn("spare stock", bodies)

    def test_no_access_no_sheet(self):
        with self.assertRaises(AccessError):
            self._pdf_text(self.agent_b)
        self.assertEqual(
            self.ticket._get_report_base_filename(),
            f"{self.ticket.number} - Printer jams on page two",
        )


@tagged("post_install", "-at_install")
class TestTicketReportPdf(HttpCase, TicketReportCommon):
    """The sheet as the PDF wkhtmltopdf really renders, read back with pdftotext.

    An HttpCase serves the report assets in this test's own transaction, so
    wkhtmltopdf's requests for them cannot wait on it. The PDF is rendered
    here rather than by a request to /report/pdf: that request would hold the
    test cursor while wkhtmltopdf asks the same server for the assets (Odoo
    renders HTML instead of PDFs in tests for this reason).
    """

    def _pdf_text(self, user, sudo=False):
        Report = (
            self.env["ir.actions.report"]
            .with_user(user)
            .sudo(sudo)
            .with_context(force_report_rendering=True)
        )
        pdf, report_type = Report._render_qweb_pdf(SHEET, self.ticket.ids)
        self.assertEqual(report_type, "pdf")
        return pdf_text(self, pdf)

    def test_pdf_for_the_agent_has_the_notes(self):
        text = self._pdf_text(self.agent)
        self.assertIn(self.ticket.number, text)
        self.assertIn("Printer jams on page two", text)
        self.assertIn("It jams every morning.", text)
        self.assertIn("We replaced the roller.", text)
        self.assertIn("Roller from the spare stock.", text, "agents see notes")
        self.assertIn("Internal note", text)
        self.assertIn("Channel", text)
        self.assertIn("In charge", text)

    def test_pdf_for_the_customer_has_no_note(self):
        # The portal user is the ticket's contact: they may read it.
        self.portal_user.partner_id.parent_id = self.customer
        self.ticket.partner_contact_id = self.portal_user.partner_id
        ticket = self.ticket.with_user(self.portal_user)
        ticket.check_access("read")
        # Customers read the sheet's configuration (team, type, priority...)
        # only through the portal: refused to them directly...
        with self.assertRaises(QWebException) as refused:
            self._pdf_text(self.portal_user)
        self.assertIsInstance(refused.exception.__cause__, AccessError)
        # ...printed as Odoo's portal prints a document (CustomerPortal.
        # _show_report): sudo once the read access is checked, still as them.
        text = self._pdf_text(self.portal_user, sudo=True)
        self.assertIn(self.ticket.number, text)
        self.assertIn("Printer jams on page two", text)
        self.assertIn("We replaced the roller.", text)
        self.assertNotIn("spare stock", text)
        self.assertNotIn("Internal note", text)
        # nor the back office's fields
        self.assertNotIn("Channel", text)
        self.assertNotIn("In charge", text)

    def test_pdf_refused_to_another_team(self):
        with self.assertRaises(AccessError):
            self._pdf_text(self.agent_b)
