from odoo.tests import tagged
from odoo.tools import html2plaintext, mute_logger

from .test_portal import SupportPortalCommon

BIG_FILE = 30 * 1024 * 1024


@tagged("post_install", "-at_install")
class TestPortalSecurity(SupportPortalCommon):
    """Hostile requests: each gets its refusal, never a 500."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Other Company"})
        cls.type_other_company = cls.env["support.ticket.type"].create(
            {"name": "Foreign Type", "company_id": cls.other_company.id}
        )
        cls.type_restricted = cls.env["support.ticket.type"].create(
            {"name": "Globex Only", "is_default": False}
        )
        cls.other_customer.support_type_ids = cls.type_restricted

    def _count(self):
        return self.env["support.ticket"].search_count([])

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule")
    def test_other_customer_ticket(self):
        self._login(self.portal_a)
        url = f"/my/tickets/{self.ticket_b.id}"
        self.assertEqual(self.url_open(url).status_code, 403)
        for action in ("reply", "close", "reopen"):
            response = self._post(f"{url}/{action}", {"message": "hijack"})
            self.assertEqual(response.status_code, 403, action)
        self.assertNotEqual(self.ticket_b.state, "done")
        self.env.invalidate_all()
        texts = [
            html2plaintext(body or "")
            for body in self.ticket_b.message_ids.mapped("body")
        ]
        self.assertFalse([text for text in texts if "hijack" in text], texts)
        self.assertFalse(
            self.env["mail.message"].search_count(
                [
                    ("model", "=", "support.ticket"),
                    ("res_id", "=", self.ticket_b.id),
                    ("body", "ilike", "hijack"),
                ]
            )
        )
        # Company-wide visibility never crosses customers.
        self.customer.support_portal_company_visible = True
        self.assertEqual(self.url_open(url).status_code, 403)
        # Missing tickets are a 404.
        self.assertEqual(self.url_open("/my/tickets/999999999").status_code, 404)

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule")
    def test_guessed_token(self):
        self.ticket_b._portal_ensure_token()
        url = f"/my/tickets/{self.ticket_b.id}?access_token=0123456789abcdef"
        self.assertEqual(self.url_open(url).status_code, 403)
        response = self._post(
            f"/my/tickets/{self.ticket_b.id}/close",
            {"access_token": "0123456789abcdef"},
        )
        self.assertEqual(response.status_code, 403)
        # Another ticket's valid token does not open this one.
        token_a = self.ticket_a._portal_ensure_token()
        url = f"/my/tickets/{self.ticket_b.id}?access_token={token_a}"
        self.assertEqual(self.url_open(url).status_code, 403)
        self.assertNotEqual(self.ticket_b.state, "done")

    @mute_logger("odoo.http")
    def test_missing_csrf(self):
        self._login(self.portal_a)
        count = self._count()
        response = self._post("/my/tickets/new", {"name": "No CSRF"}, csrf=False)
        self.assertEqual(response.status_code, 400)
        response = self._post(f"/my/tickets/{self.ticket_a.id}/close", csrf=False)
        self.assertEqual(response.status_code, 400)
        response = self._post(
            f"/my/tickets/{self.ticket_a.id}/reply", {"message": "x"}, csrf=False
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._count(), count)
        self.assertNotEqual(self.ticket_a.state, "done")

    def _new_ticket(self, **vals):
        return self._post("/my/tickets/new", dict({"name": "Hostile"}, **vals))

    @mute_logger("odoo.http")
    def test_refused_ids(self):
        self._login(self.portal_a)
        count = self._count()
        # A type of another company, a type of another customer, a missing one.
        for type_id in (self.type_other_company.id, self.type_restricted.id, 999999):
            response = self._new_ticket(type_id=type_id)
            self.assertEqual(response.status_code, 403, type_id)
        # Malformed ids.
        response = self._new_ticket(type_id="1 OR 1=1")
        self.assertEqual(response.status_code, 400)
        response = self._new_ticket(equipment_id="-3")
        self.assertEqual(response.status_code, 400)
        # A priority while the team does not let customers choose it.
        response = self._new_ticket(
            type_id=self.type_routed.id,
            priority_id=self.env.ref("support_desk.support_priority_urgent").id,
        )
        self.assertEqual(response.status_code, 403)
        # A final customer that is not theirs.
        response = self._new_ticket(final_partner_id=self.other_customer.id)
        self.assertEqual(response.status_code, 403)
        # An asset installed at another customer.
        equipment = self.env["maintenance.equipment"].create(
            {"name": "Globex Server", "support_partner_id": self.other_customer.id}
        )
        response = self._new_ticket(equipment_id=equipment.id)
        self.assertEqual(response.status_code, 403)
        # The title is required.
        response = self._post("/my/tickets/new", {"name": "  "})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._count(), count)

    @mute_logger("odoo.http")
    def test_big_upload(self):
        self._login(self.portal_a)
        count = self._count()
        big = ("big.bin", b"0" * BIG_FILE, "application/octet-stream")
        response = self._post(
            "/my/tickets/new", {"name": "Big file"}, files={"attachments": big}
        )
        self.assertEqual(response.status_code, 413)
        self.assertEqual(self._count(), count)
        messages = len(self.ticket_a.message_ids)
        response = self._post(
            f"/my/tickets/{self.ticket_a.id}/reply",
            {"message": "Big"},
            files={"attachments": big},
        )
        self.assertEqual(response.status_code, 413)
        self.assertEqual(len(self.ticket_a.message_ids), messages)
        # Too many files.
        files = [
            ("attachments", (f"f{index}.txt", b"x", "text/plain")) for index in range(6)
        ]
        response = self._post("/my/tickets/new", {"name": "Many"}, files=files)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._count(), count)

    def test_script_tags(self):
        self._login(self.portal_a)
        payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
        response = self._post(
            "/my/tickets/new", {"name": f"XSS {payload}", "description": payload}
        )
        self.assertEqual(response.status_code, 303)
        ticket = self.env["support.ticket"].search([("name", "like", "XSS")])
        self.assertNotIn("<script", ticket.description)
        self.assertNotIn("<img", ticket.description)
        response = self._post(f"/my/tickets/{ticket.id}/reply", {"message": payload})
        self.assertEqual(response.status_code, 303)
        self.assertNotIn("<script", ticket.message_ids[0].body)
        page = self.url_open(f"/my/tickets/{ticket.id}").text
        self.assertNotIn('<script>alert("x")', page)
        self.assertNotIn("<img src=x", page)
        page = self.url_open("/my/tickets").text
        self.assertNotIn('<script>alert("x")', page)

    def test_portal_user_cannot_write(self):
        """The rights stay read only outside the controllers."""
        from odoo.exceptions import AccessError

        ticket = self.ticket_a.with_user(self.portal_a)
        self.assertTrue(ticket.read(["name"]))
        with (
            self.assertRaises(AccessError),
            mute_logger("odoo.addons.base.models.ir_model"),
        ):
            ticket.write({"name": "changed"})
        with (
            self.assertRaises(AccessError),
            mute_logger("odoo.addons.base.models.ir_model"),
        ):
            self.env["support.ticket"].with_user(self.portal_a).create({"name": "x"})
        with (
            self.assertRaises(AccessError),
            mute_logger("odoo.addons.base.models.ir_rule"),
        ):
            self.ticket_b.with_user(self.portal_a).read(["name"])

    @mute_logger("odoo.http")
    def test_public_user_list(self):
        response = self.url_open("/my/tickets", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
        response = self.url_open("/my/tickets/new", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
