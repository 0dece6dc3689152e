from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import html2plaintext

from .common import SupportDeskCommon


@tagged("post_install", "-at_install")
class TestTicketReport(SupportDeskCommon):
    """The printable ticket sheet."""

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

    def _pdf_text(self, user):
        """The sheet's text, from the HTML wkhtmltopdf turns into the PDF.

        The PDF itself is not rendered here: wkhtmltopdf fetches the report
        assets over HTTP in another transaction, which waits on the bundle this
        test transaction just created (the statement test covers the PDF path).
        """
        Report = self.env["ir.actions.report"].with_user(user)
        html, report_type = Report._render_qweb_html(
            "support_desk.action_report_support_ticket", self.ticket.ids
        )
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
