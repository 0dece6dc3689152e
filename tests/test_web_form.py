from odoo import http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestWebForm(HttpCase):
    def _submit(self, csrf=True, files=None, **vals):
        data = {
            "partner_name": "Mario Verdi",
            "email": "mario.verdi@example.com",
            "name": "Cannot log in",
            "description": "The password is refused",
        }
        data.update(vals)
        if not getattr(self, "session", None):
            self.authenticate(None, None)
        if csrf:
            data["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open(
            "/support/new/submit", data=data, files=files, allow_redirects=False
        )

    def _tickets(self, subject="Cannot log in"):
        return self.env["support.ticket"].search([("name", "=", subject)])

    def test_form_page(self):
        response = self.url_open("/support/new")
        self.assertEqual(response.status_code, 200)
        self.assertIn('name="website_url"', response.text)
        self.assertIn("csrf_token", response.text)

    def test_submit_creates_partner_ticket_and_mail(self):
        response = self._submit(
            files={"attachments": ("shot.png", b"PNG data", "image/png")}
        )
        self.assertEqual(response.status_code, 200)
        ticket = self._tickets()
        self.assertEqual(len(ticket), 1)
        self.assertIn(ticket.number, response.text)
        self.assertEqual(ticket.channel, "web")
        self.assertEqual(ticket.partner_id.email, "mario.verdi@example.com")
        self.assertEqual(ticket.partner_id.name, "Mario Verdi")
        self.assertEqual(ticket.attachment_ids.name, "shot.png")
        self.assertIn(ticket.partner_id, ticket.message_partner_ids)
        self.assertNotIn(
            self.env.ref("base.public_partner"), ticket.message_partner_ids
        )
        self.env["support.ticket"].sudo()._cron_process_creation_queue()  # the queue
        mail = self.env["mail.mail"].search(
            [
                ("model", "=", "support.ticket"),
                ("res_id", "=", ticket.id),
                ("email_to", "ilike", "mario.verdi@example.com"),
            ]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("mario.verdi@example.com", mail.email_to)
        self.assertIn(f"/my/tickets/{ticket.id}", mail.body_html)
        self.assertIn(f"access_token={ticket.access_token}", mail.body_html)
        # The mailed link opens the ticket without logging in.
        self.assertEqual(
            self.url_open(
                f"/my/tickets/{ticket.id}?access_token={ticket.access_token}"
            ).status_code,
            200,
        )

    def _acks(self, address):
        return self.env["mail.mail"].search(
            [("model", "=", "support.ticket"), ("email_to", "ilike", address)]
        )

    def test_acknowledgement_follows_the_settings(self):
        """The web form's acknowledgement obeys the same settings as the others:
        *Acknowledge New Tickets* and both blacklists."""
        company = self.env.company
        company.support_notify_on_open = False
        self._submit(email="off@example.com", name="Ack off")
        self.assertEqual(len(self._tickets("Ack off")), 1)
        self.assertFalse(self._acks("off@example.com"))
        company.support_notify_on_open = True
        company.support_ack_blacklist = "quiet.example.com"
        company.support_notify_blacklist = "muted@example.org"
        self._submit(email="anyone@quiet.example.com", name="Ack blocked")
        self._submit(email="muted@example.org", name="All mail blocked")
        self.assertEqual(len(self._tickets("Ack blocked")), 1)
        self.assertFalse(self._acks("quiet.example.com"))
        self.assertFalse(self._acks("muted@example.org"))
        company.support_mail_footer = "<p>Informativa privacy</p>"
        self._submit(email="on@example.com", name="Ack on")
        ack = self._acks("on@example.com")
        self.assertEqual(len(ack), 1, "delivered")
        self.assertIn("Informativa privacy", ack.body_html, "with the legal footer")

    def test_submit_matches_partner(self):
        company = self.env["res.partner"].create(
            {"name": "Verdi Srl", "is_company": True}
        )
        contact = self.env["res.partner"].create(
            {
                "name": "Mario Verdi",
                "email": "Mario.Verdi@example.com",
                "parent_id": company.id,
            }
        )
        partners = self.env["res.partner"].search_count([])
        self._submit()
        ticket = self._tickets()
        # Anybody may type this address: the request joins the customer's
        # account only once the address is confirmed (test_security_portal).
        self.assertFalse(ticket.partner_id)
        self.assertNotIn(contact, ticket.message_partner_ids)
        self.assertEqual(ticket.email_from, "mario.verdi@example.com")
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        token = ticket._portal_web_confirm_token(ticket.email_from)
        ticket._portal_web_confirm(token)
        self.assertEqual(ticket.partner_id, company)
        self.assertEqual(ticket.partner_contact_id, contact)
        self.assertIn(contact, ticket.message_partner_ids)

    def test_honeypot(self):
        response = self._submit(website_url="http://spam.example.com")
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self._tickets())

    @mute_logger("odoo.http")
    def test_rate_limit_per_ip_and_email(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("support_desk.web_form_ip_limit", "3")
        params.set_param("support_desk.web_form_email_limit", "2")
        self.assertEqual(self._submit().status_code, 200)
        self.assertEqual(self._submit().status_code, 200)
        # Third from the same email.
        self.assertEqual(self._submit().status_code, 429)
        # Another email, same address: the third from this address passes...
        self.assertEqual(self._submit(email="other@example.com").status_code, 200)
        # ...the fourth does not.
        self.assertEqual(self._submit(email="third@example.com").status_code, 429)
        self.assertEqual(len(self._tickets()), 3)

    @mute_logger("odoo.http")
    def test_refusals(self):
        self.assertEqual(self._submit(csrf=False).status_code, 400)
        self.assertEqual(self._submit(email="not an email").status_code, 400)
        self.assertEqual(self._submit(name="").status_code, 400)
        big = ("big.bin", b"0" * (30 * 1024 * 1024), "application/octet-stream")
        self.assertEqual(self._submit(files={"attachments": big}).status_code, 413)
        self.assertFalse(self._tickets())
        self.assertFalse(self._tickets(""))

    def test_script_tags(self):
        payload = "<script>alert(1)</script><b onclick=alert(2)>bold</b>"
        response = self._submit(description=payload, partner_name=payload)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("<script>alert(1)", response.text)
        ticket = self._tickets()
        self.assertNotIn("<script", ticket.description)
        self.assertNotIn("<b onclick", ticket.description)
