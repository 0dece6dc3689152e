from odoo.tests import tagged

from .test_portal import SupportPortalCommon


@tagged("post_install", "-at_install")
class TestPortalUi(SupportPortalCommon):
    def test_portal_tour(self):
        self.start_tour(
            "/my/tickets", "support_desk_portal_tour", login=self.portal_a.login
        )
        ticket = self.env["support.ticket"].search(
            [("name", "=", "Tour printer problem")]
        )
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.channel, "portal")
        self.assertEqual(ticket.partner_contact_id, self.portal_a.partner_id)
        self.assertEqual(ticket.attachment_ids.name, "tour_log.txt")
        self.assertEqual(ticket.state, "done")
        self.assertIn(
            "Here is more information", "".join(ticket.message_ids.mapped("body"))
        )

    def test_web_form_tour(self):
        self.start_tour("/support/new", "support_desk_web_form_tour")
        ticket = self.env["support.ticket"].search([("name", "=", "Website is down")])
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.channel, "web")
        self.assertEqual(ticket.partner_id.email, "tour.visitor@example.com")
