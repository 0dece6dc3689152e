"""Issue 18, classes 2, 9, 10 and 11: the portal, the public web form and
Odoo's chatter routes attacked over a served instance.

Every refusal is checked twice: the answer (a 4xx, never a 500) and the
database (re-read as superuser: nothing changed).
"""

import json
import re
from datetime import timedelta
from urllib.parse import urlencode

from odoo import fields, http
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .test_portal import SupportPortalCommon

LOGGERS = ("odoo.http", "odoo.addons.base.models.ir_rule")


@tagged("post_install", "-at_install")
class TestSecurityPortal(SupportPortalCommon):
    """Customers A (two contacts) and B of two companies, an employee who
    follows A's ticket, an employee it is shared with, B following it in the
    portal, and the public with its link."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.follower = new_test_user(
            cls.env, login="sd_sec_follower", groups="base.group_user", name="Fol"
        )
        cls.shared = new_test_user(
            cls.env, login="sd_sec_shared", groups="base.group_user", name="Sha"
        )
        cls.ticket_a.message_subscribe(
            partner_ids=(cls.follower | cls.portal_b).partner_id.ids
        )
        cls.ticket_a.shared_user_ids = cls.shared
        cls.token = cls.ticket_a._portal_ensure_token()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("support_desk.web_form_ip_limit", "1000")
        params.set_param("support_desk.web_form_email_limit", "1000")

    # helpers ------------------------------------------------------------

    def _snapshot(self, ticket):
        self.env.invalidate_all()
        ticket = ticket.sudo()
        return {
            "state": ticket.state,
            "stage": ticket.stage_id.id,
            "name": ticket.name,
            "partner": ticket.partner_id.id,
            "contact": ticket.partner_contact_id.id,
            "messages": len(ticket.message_ids),
            "followers": sorted(ticket.message_partner_ids.ids),
            "attachments": sorted(ticket.attachment_ids.ids),
        }

    def _as(self, user):
        """Log in as ``user``, or stay anonymous for None."""
        if user:
            self._login(user)
        else:
            self.authenticate(None, None)

    def _json(self, route, params):
        """A JSON route's answer: (HTTP status, decoded body)."""
        response = self.url_open(
            route,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
        )
        return response.status_code, response.json()

    def _assert_no_server_error(self, body, msg=None):
        error = body.get("error")
        if error:
            name = error.get("data", {}).get("name", "")
            self.assertTrue(
                name.startswith(("werkzeug.exceptions", "odoo.exceptions")),
                (msg, error.get("data", {}).get("message")),
            )

    # class 2: reading is not changing ----------------------------------

    @mute_logger(*LOGGERS)
    def test_readers_cannot_close_or_reopen(self):
        """Followers, users it is shared with and token holders read the ticket
        but neither close nor reopen it; the page offers them no button."""
        readers = [
            ("employee follower", self.follower, None),
            ("employee shared with", self.shared, None),
            ("portal follower", self.portal_b, None),
            ("public with token", None, self.token),
            ("portal follower with token", self.portal_b, self.token),
        ]
        url = f"/my/tickets/{self.ticket_a.id}"
        for label, user, token in readers:
            self._as(user)
            query = f"?access_token={token}" if token else ""
            page = self.url_open(url + query)
            self.assertEqual(page.status_code, 200, label)
            self.assertNotIn("o_support_close", page.text, label)
            self.assertEqual("o_support_login_hint" in page.text, user is None, label)
            before = self._snapshot(self.ticket_a)
            data = {"access_token": token} if token else None
            response = self._post(f"{url}/close", data)
            self.assertEqual(response.status_code, 403, label)
            self.assertEqual(self._snapshot(self.ticket_a), before, label)
        # Closed recently: reopening is refused the same way.
        self.ticket_a.write({"stage_id": self.stage_done.id})
        self.ticket_a.date_closed = fields.Datetime.now() - timedelta(hours=1)
        for label, user, token in readers:
            self._as(user)
            before = self._snapshot(self.ticket_a)
            data = {"access_token": token} if token else None
            response = self._post(f"{url}/reopen", data)
            self.assertEqual(response.status_code, 403, label)
            self.assertEqual(self._snapshot(self.ticket_a), before, label)
            self.assertEqual(self.ticket_a.state, "done", label)

    @mute_logger(*LOGGERS)
    def test_customers_change_their_tickets(self):
        """The customer, and the company's contacts when the company lets them
        see its tickets, close them; other contacts do not see them."""
        url = f"/my/tickets/{self.ticket_a.id}"
        self._as(self.portal_a2)
        before = self._snapshot(self.ticket_a)
        self.assertEqual(self._post(f"{url}/close").status_code, 403)
        self.assertEqual(self._snapshot(self.ticket_a), before)
        self.customer.support_portal_company_visible = True
        page = self.url_open(url)
        self.assertIn("o_support_close", page.text)
        self.assertEqual(self._post(f"{url}/close").status_code, 303)
        self.assertEqual(self.ticket_a.state, "done")
        self._as(self.portal_a)
        self.assertEqual(self._post(f"{url}/reopen").status_code, 303)
        self.assertEqual(self.ticket_a.state, "in_progress")

    def test_check_change_in_model(self):
        """The decision lives in the model, for every caller."""
        Ticket = self.env["support.ticket"]
        for user in (self.follower, self.shared, self.portal_b, self.portal_a2):
            with self.assertRaises(AccessError, msg=user.login):
                Ticket.with_user(user).browse(self.ticket_a.id)._portal_check_change()
        public = self.env.ref("base.public_user")
        with self.assertRaises(AccessError):
            Ticket.with_user(public).browse(self.ticket_a.id)._portal_check_change()
        # Called in sudo, it still judges the user, not the superuser.
        with self.assertRaises(AccessError):
            Ticket.with_user(self.follower).sudo().browse(
                self.ticket_a.id
            )._portal_check_change()
        Ticket.with_user(self.portal_a).browse(self.ticket_a.id)._portal_check_change()

    def test_reply_author_and_followers(self):
        """A reply is authored by the user (or, by token, the customer), never
        by whom the request names, and subscribes nobody."""
        url = f"/my/tickets/{self.ticket_a.id}/reply"
        followers = self._snapshot(self.ticket_a)["followers"]
        self._as(self.portal_b)
        response = self._post(
            url,
            {
                "message": "Reply of a follower",
                "author_id": self.portal_a.partner_id.id,
                "partner_ids": self.portal_a2.partner_id.id,
                "pid": self.portal_a.partner_id.id,
            },
        )
        self.assertEqual(response.status_code, 303)
        message = self.ticket_a.message_ids[0]
        self.assertIn("Reply of a follower", message.body)
        self.assertEqual(message.author_id, self.portal_b.partner_id)
        self._as(None)
        response = self._post(
            url,
            {
                "message": "Reply by link",
                "access_token": self.token,
                "author_id": self.portal_b.partner_id.id,
            },
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(
            self.ticket_a.message_ids[0].author_id, self.portal_a.partner_id
        )
        self.assertEqual(self._snapshot(self.ticket_a)["followers"], followers)

    # class 9: the public web form ----------------------------------------

    def _web_submit(self, **vals):
        data = {
            "partner_name": "Someone Else",
            "email": self.portal_a.email,
            "name": "Planted request",
            "description": "Hello",
        }
        data.update(vals)
        self._as(None)
        data["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open("/support/new/submit", data=data, allow_redirects=False)

    @mute_logger(*LOGGERS)
    def test_web_form_existing_address_needs_confirmation(self):
        contact = self.portal_a.partner_id
        contact.phone = "+39 02 1234"
        partner_before = contact.read(["name", "phone", "email", "parent_id"])
        response = self._web_submit(phone="+1 555")
        self.assertEqual(response.status_code, 200)
        ticket = self.env["support.ticket"].search([("name", "=", "Planted request")])
        self.assertEqual(len(ticket), 1)
        self.assertFalse(ticket.partner_id)
        self.assertFalse(ticket.partner_contact_id)
        self.assertEqual(ticket.email_from, self.portal_a.email)
        self.assertEqual(ticket.channel, "web")
        self.assertNotIn(contact, ticket.message_partner_ids)
        self.env.invalidate_all()
        self.assertEqual(
            contact.read(["name", "phone", "email", "parent_id"]), partner_before
        )
        # Not in the customer's portal until confirmed.
        self._as(self.portal_a)
        self.assertNotIn(ticket.number, self.url_open("/my/tickets").text)
        self.assertEqual(self.url_open(f"/my/tickets/{ticket.id}").status_code, 403)
        # The mail to the address carries the signed link.
        mail = self.env["mail.mail"].search(
            [("res_id", "=", ticket.id), ("model", "=", "support.ticket")]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.email_to, self.portal_a.email)
        link = re.search(r"/support/confirm/(\d+)/([0-9a-f]+)", mail.body_html)
        self.assertTrue(link)
        self.assertEqual(int(link.group(1)), ticket.id)
        good = link.group(0)
        # Wrong tokens, whatever their shape, are refused and change nothing.
        before = self._snapshot(ticket)
        self._as(None)
        for bad in ("0" * 64, "%C3%A9", "%FF", "x" * 5000):
            url = f"/support/confirm/{ticket.id}/{bad}"
            self.assertIn(self.url_open(url).status_code, (400, 403), bad[:10])
            response = self._post(url)
            self.assertIn(response.status_code, (400, 403), bad[:10])
            self.assertEqual(self._snapshot(ticket), before, bad[:10])
        other = self._create_other_web_ticket()
        url = f"/support/confirm/{other.id}/{link.group(2)}"
        self.assertEqual(self._post(url).status_code, 403)
        self.assertFalse(other.partner_id)
        self.assertEqual(
            self.url_open("/support/confirm/99999999999999999999/abc").status_code,
            404,
        )
        # Opening the link changes nothing (mail scanners open links)...
        page = self.url_open(good)
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_support_web_form_confirm_button", page.text)
        self.assertEqual(self._snapshot(ticket), before)
        # ...its button attaches the request to the customer, once.
        response = self._post(good)
        self.assertEqual(response.status_code, 303)
        self.assertIn(
            f"/my/tickets/{ticket.id}?access_token=", response.headers["Location"]
        )
        self.assertEqual(ticket.partner_id, self.customer)
        self.assertEqual(ticket.partner_contact_id, contact)
        self.assertIn(contact, ticket.message_partner_ids)
        after = self._snapshot(ticket)
        self.assertEqual(self._post(good).status_code, 303)
        self.assertEqual(self._snapshot(ticket), after)
        self.env.invalidate_all()
        self.assertEqual(
            contact.read(["name", "phone", "email", "parent_id"]), partner_before
        )
        self._as(self.portal_a)
        self.assertEqual(self.url_open(f"/my/tickets/{ticket.id}").status_code, 200)

    def _create_other_web_ticket(self):
        return self.env["support.ticket"].create(
            {"name": "Other web", "email_from": self.portal_a.email, "channel": "web"}
        )

    def test_web_form_new_address_not_linked_by_domain(self):
        self.customer.write(
            {"email": "info@acme-domain.example", "website": "acme-domain.example"}
        )
        response = self._web_submit(email="newcomer@acme-domain.example")
        self.assertEqual(response.status_code, 200)
        ticket = self.env["support.ticket"].search([("name", "=", "Planted request")])
        partner = ticket.partner_id
        self.assertEqual(partner.email, "newcomer@acme-domain.example")
        self.assertFalse(partner.parent_id)
        self.assertNotEqual(partner.commercial_partner_id, self.customer)
        self.assertIn(partner, ticket.message_partner_ids)

    # class 10: staff files ------------------------------------------------

    def _staff_and_public_files(self):
        Attachment = self.env["ir.attachment"]
        tab = Attachment.create(
            {
                "name": "staff_tab.txt",
                "raw": b"internal",
                "res_model": "support.ticket",
                "res_id": self.ticket_a.id,
            }
        )
        note = self.ticket_a.message_post(
            body="Internal note",
            subtype_xmlid="mail.mt_note",
            attachments=[("staff_note.txt", b"internal")],
        )
        public = self.ticket_a.message_post(
            body="Public answer",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=[("public_answer.txt", b"public")],
        )
        return tab | note.attachment_ids, public.attachment_ids

    @mute_logger(*LOGGERS, "odoo.addons.base.models.ir_attachment")
    def test_staff_files_stay_internal(self):
        staff, public = self._staff_and_public_files()
        for label, user, token in (
            ("customer", self.portal_a, None),
            ("public with token", None, self.token),
        ):
            self._as(user)
            query = f"?access_token={self.token}" if token else ""
            page = self.url_open(f"/my/tickets/{self.ticket_a.id}{query}")
            self.assertEqual(page.status_code, 200, label)
            self.assertIn("public_answer.txt", page.text, label)
            self.assertNotIn("staff_tab.txt", page.text, label)
            self.assertNotIn("staff_note.txt", page.text, label)
            self.env.invalidate_all()
            self.assertFalse(any(staff.mapped("access_token")), label)
            self.assertTrue(public.access_token, label)
            # Download paths: the public file only.
            self.assertEqual(
                self.url_open(
                    f"/web/content/{public.id}?access_token={public.access_token}"
                ).status_code,
                200,
                label,
            )
            for attachment in staff:
                for url in (
                    f"/web/content/{attachment.id}",
                    f"/web/content/{attachment.id}?access_token={self.token}",
                    f"/web/content/{attachment.id}?access_token=",
                    f"/web/content/{attachment.id}?download=1&access_token=%C3%A9",
                    f"/web/image/{attachment.id}?access_token={self.token}",
                ):
                    response = self.url_open(url)
                    self.assertLess(response.status_code, 500, (label, url))
                    self.assertNotIn(b"internal", response.content, (label, url))
            # Odoo's chatter: the attachment box and the messages.
            params = {
                "thread_model": "support.ticket",
                "thread_id": self.ticket_a.id,
                "request_list": ["attachments"],
            }
            if token:
                params["token"] = token
            status, body = self._json("/mail/thread/data", params)
            self.assertEqual(status, 200, label)
            self._assert_no_server_error(body, label)
            self.assertNotIn("staff_", json.dumps(body), label)
            if token:
                names = [a["name"] for a in body["result"].get("ir.attachment", [])]
                self.assertEqual(names, ["public_answer.txt"], label)
            params = {"thread_model": "support.ticket", "thread_id": self.ticket_a.id}
            if token:
                params["token"] = token
            status, body = self._json("/mail/chatter_fetch", params)
            self.assertEqual(status, 200, label)
            self.assertNotIn("staff_", json.dumps(body), label)
            self.assertNotIn("Internal note", json.dumps(body), label)

    def test_customer_uploads_are_public_messages(self):
        self._as(self.portal_a)
        response = self._post(
            "/my/tickets/new",
            {"name": "With a file"},
            files={"attachments": ("mine.txt", b"customer file", "text/plain")},
        )
        self.assertEqual(response.status_code, 303)
        ticket = self.env["support.ticket"].search([("name", "=", "With a file")])
        self.assertEqual(ticket.attachment_ids.name, "mine.txt")
        message = ticket.message_ids.filtered("attachment_ids")
        self.assertEqual(message.author_id, self.portal_a.partner_id)
        self.assertFalse(message.is_internal)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))
        page = self.url_open(f"/my/tickets/{ticket.id}")
        self.assertIn("mine.txt", page.text)
        self.assertEqual(ticket._get_portal_attachments(), ticket.attachment_ids)

    # class 11: hostile input ----------------------------------------------

    def _routes(self):
        """(label, user, method, url, base data) of every route this part owns."""
        tid = self.ticket_a.id
        return [
            ("list", self.portal_a, "GET", "/my/tickets", {}),
            ("ticket", self.portal_a, "GET", f"/my/tickets/{tid}", {}),
            ("reply", self.portal_a, "POST", f"/my/tickets/{tid}/reply", {}),
            ("new", self.portal_a, "POST", "/my/tickets/new", {"name": "T"}),
            ("web form", None, "GET", "/support/new", {}),
            (
                "web submit",
                None,
                "POST",
                "/support/new/submit",
                {
                    "partner_name": "Eve",
                    "email": "eve@example.com",
                    "name": "T",
                    "description": "D",
                },
            ),
        ]

    def _request(self, user, method, url, data, files=None):
        self._as(user)
        if method == "GET":
            query = urlencode(data)
            return self.url_open(
                f"{url}?{query}" if query else url, allow_redirects=False
            )
        return self._post(url, data or None, files=files)

    def _db_state(self):
        self.env.invalidate_all()
        Ticket = self.env["support.ticket"].sudo()
        return {
            "tickets": Ticket.search_count([]),
            "partners": self.env["res.partner"].sudo().search_count([]),
            "a": self._snapshot(self.ticket_a),
        }

    @mute_logger(*LOGGERS)
    def test_hostile_text(self):
        """NUL bytes, files in text fields, line breaks and long texts on every
        route: 4xx or the cleaned text, never a 500, never half-written."""
        text_fields = {
            "list": ["search"],
            "ticket": ["search", "message"],
            "reply": ["message"],
            "new": ["name", "description"],
            "web form": ["name"],
            "web submit": ["partner_name", "name", "description", "email"],
        }
        for label, user, method, url, base in self._routes():
            for field in text_fields[label]:
                case = (label, field)
                # A NUL byte: removed, the rest goes through.
                nul = "eve\x00@example.com" if field == "email" else "Nul\x00 byte"
                data = dict(base, **{field: nul})
                response = self._request(user, method, url, data)
                self.assertIn(response.status_code, (200, 303), case)
                # A file in a text field: 400, nothing written.
                if method == "POST":
                    state = self._db_state()
                    response = self._request(
                        user,
                        method,
                        url,
                        {k: v for k, v in base.items() if k != field},
                        files={field: ("evil.txt", b"evil", "text/plain")},
                    )
                    self.assertEqual(response.status_code, 400, case)
                    self.assertEqual(self._db_state(), state, case)
        # Stored texts never keep a NUL byte nor, in titles, a line break.
        Ticket = self.env["support.ticket"]
        for ticket in Ticket.search([("create_date", ">=", self.ticket_a.create_date)]):
            self.assertNotIn("\x00", ticket.name)
            self.assertNotIn("\n", ticket.name)
            self.assertNotIn("\x00", ticket.description or "")
        for message in self.ticket_a.message_ids:
            self.assertNotIn("\x00", message.body or "")

    @mute_logger(*LOGGERS)
    def test_titles_lines_and_lengths(self):
        self._as(self.portal_a)
        response = self._post(
            "/my/tickets/new",
            {"name": "Line one\r\nBcc: victim@example.com\nX", "description": "a\r\nb"},
        )
        self.assertEqual(response.status_code, 303)
        ticket = self.env["support.ticket"].search([("name", "like", "Line one")])
        self.assertEqual(ticket.name, "Line one Bcc: victim@example.com X")
        self.assertIn("a", ticket.description)
        state = self._db_state()
        for label, user, url, data in (
            ("new", self.portal_a, "/my/tickets/new", {"name": "x" * 10001}),
            (
                "new description",
                self.portal_a,
                "/my/tickets/new",
                {"name": "ok", "description": "x" * 20001},
            ),
            (
                "web",
                None,
                "/support/new/submit",
                {
                    "partner_name": "Eve",
                    "email": "eve@example.com",
                    "name": "x" * 10001,
                    "description": "D",
                },
            ),
            (
                "reply",
                self.portal_a,
                f"/my/tickets/{self.ticket_a.id}/reply",
                {"message": "x" * 20001},
            ),
        ):
            response = self._request(user, "POST", url, data)
            self.assertEqual(response.status_code, 400, label)
            self.assertEqual(self._db_state(), state, label)
        self._as(self.portal_a)
        response = self.url_open("/my/tickets?search=" + "x" * 5000)
        self.assertEqual(response.status_code, 400)
        # A field given twice: the first one counts, once.
        response = self.url_open(
            "/my/tickets/new",
            data=[
                ("name", "First"),
                ("name", "Second"),
                ("csrf_token", http.Request.csrf_token(self)),
            ],
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(self.env["support.ticket"].search([("name", "=", "First")]))
        self.assertFalse(self.env["support.ticket"].search([("name", "=", "Second")]))

    @mute_logger(*LOGGERS)
    def test_clashing_parameters(self):
        """Query parameters never reach the page's values or the methods'
        keyword arguments."""
        url = f"/my/tickets/{self.ticket_a.id}"
        clashes = [
            "values=1",
            "no_breadcrumbs=1",
            "ticket=1",
            "page_name=x",
            "ticket_sudo=1",
            "error=INJECTED",
            "reply_error=INJECTED",
            "reply_message=INJECTED",
            "session_history=1",
            "document=1",
            "pid=1&hash=INJECTED",
            "ticket_id=999",
            "status=500",
        ]
        for user, token in ((self.portal_a, None), (None, self.token)):
            self._as(user)
            for clash in clashes:
                query = f"?{clash}" + (f"&access_token={token}" if token else "")
                response = self.url_open(url + query)
                self.assertEqual(response.status_code, 200, clash)
                self.assertIn("Printer of Anna", response.text, clash)
                # (the breadcrumbs' link back keeps the query, escaped)
                self.assertNotIn('role="alert"', response.text, clash)
                self.assertNotIn(">INJECTED", response.text, clash)
        self._as(self.portal_a)
        for clash in ("values=1", "ticket_id=1", "status=1", "page=x"):
            for action in ("reply", "close"):
                data = dict([clash.split("=")], message="ok")
                response = self._post(f"{url}/{action}", data)
                self.assertLess(response.status_code, 500, (clash, action))
        for clash in ("values=1", "ticket=1", "page_name=x", "search=1", "page=x"):
            response = self.url_open(f"/my/tickets?{clash}")
            self.assertEqual(response.status_code, 200, clash)
        self._as(None)
        for clash in ("values=1", "post=1", "error=INJECTED"):
            response = self.url_open(f"/support/new?{clash}")
            self.assertEqual(response.status_code, 200, clash)
            self.assertNotIn('role="alert"', response.text, clash)

    @mute_logger(*LOGGERS)
    def test_parameters_odoo_itself_trips_on(self):
        """``self`` in the query, a NUL in an unknown URL: 4xx, not 500."""
        before = self._snapshot(self.ticket_a)
        self._as(self.portal_a)
        for path, status in (
            (f"/my/tickets/{self.ticket_a.id}?self=1", 200),
            ("/my/tickets?self=1", 200),
            ("/support/new?self=1", 200),
            ("/support/confirm/1/%00", 404),
            ("/my/%00", 404),
        ):
            self.assertEqual(self.url_open(path).status_code, status, path)
        response = self._post(
            f"/my/tickets/{self.ticket_a.id}/reopen?self=1", {"self": "1"}
        )
        self.assertLess(response.status_code, 500)
        response = self.url_open(
            "/support_desk/pbx/event?self=1", data=b"{}",
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        self.assertEqual(response.status_code, 403, "unknown token, not a crash")
        self.assertEqual(self._snapshot(self.ticket_a), before)

    @mute_logger(*LOGGERS)
    def test_malformed_tokens_ids_and_pages(self):
        url = f"/my/tickets/{self.ticket_a.id}"
        before = self._snapshot(self.ticket_a)
        self._as(None)
        for token in ("%C3%A9", "%FF", "%00", "é", "a" * 5000):
            response = self.url_open(f"{url}?access_token={token}")
            self.assertEqual(response.status_code, 403, token[:10])
            for action in ("reply", "close"):
                response = self._post(
                    f"{url}/{action}", {"access_token": token, "message": "x"}
                )
                self.assertEqual(response.status_code, 403, (token[:10], action))
        self.assertEqual(self._snapshot(self.ticket_a), before)
        self._as(self.portal_a)
        huge = "99999999999999999999"
        for path, status in (
            (f"/my/tickets/{huge}", 404),
            (f"/my/tickets/{2**31}", 404),
            (f"/my/tickets/page/{huge}", 200),
            (f"/my/tickets?type_id={huge}&priority_id=-1", 200),
            ("/my/tickets?sortby=1&sortby=2&groupby=&filterby[]=x", 200),
            ("/my/tickets?groupby=%00&sortby=%FF&search_in=%00", 200),
            ("/my/tickets?page=abc", 200),
        ):
            self.assertEqual(self.url_open(path).status_code, status, path)
        for action in ("reply", "close", "reopen"):
            response = self._post(f"/my/tickets/{huge}/{action}", {"message": "x"})
            self.assertEqual(response.status_code, 404, action)
        count = self._db_state()
        for key in ("type_id", "priority_id", "final_partner_id", "equipment_id"):
            response = self._post("/my/tickets/new", {"name": "Big id", key: huge})
            self.assertEqual(response.status_code, 400, key)
        self.assertEqual(self._db_state(), count)
        self.assertEqual(self._snapshot(self.ticket_a), before)

    @mute_logger(*LOGGERS)
    def test_odoo_portal_home(self):
        """Odoo's /my pages with the tickets' tile and counter."""
        self._as(self.portal_a)
        for path in ("/my", "/my/home?search=%00&access_token=%C3%A9", "/my?page=x"):
            response = self.url_open(path)
            self.assertEqual(response.status_code, 200, path)
        # (a number would break other addons' counters, project's: not ours)
        for counters in (["support_ticket_count", "\x00"], "support_ticket_count"):
            status, body = self._json("/my/counters", {"counters": counters})
            self.assertLess(status, 500, counters)
            self._assert_no_server_error(body, counters)
        status, body = self._json(
            "/my/counters", {"counters": ["support_ticket_count"]}
        )
        self.assertEqual(body["result"]["support_ticket_count"], 1)

    @mute_logger(*LOGGERS, "odoo.addons.mail.models.mail_thread")
    def test_odoo_chatter_routes(self):
        """Odoo's /mail/* routes on a ticket: malformed tokens are no access,
        a NUL byte is removed, nothing answers 500."""
        before = self._snapshot(self.ticket_a)
        self._as(None)
        for token in ("é", "\x00", ["x"], 12):
            for route, params in (
                (
                    "/mail/message/post",
                    {"post_data": {"body": "Hijack", "message_type": "comment"}},
                ),
                ("/mail/thread/data", {"request_list": ["attachments"]}),
                ("/mail/chatter_fetch", {}),
                ("/portal/chatter_init", {}),
            ):
                params = dict(
                    params,
                    thread_model="support.ticket",
                    thread_id=self.ticket_a.id,
                    token=token,
                )
                status, body = self._json(route, params)
                self.assertLess(status, 500, (route, token))
                self._assert_no_server_error(body, (route, token))
            status, body = self._json(
                "/mail/message/post",
                {
                    "thread_model": "support.ticket",
                    "thread_id": self.ticket_a.id,
                    "post_data": {"body": "x"},
                    "hash": "é",
                    "pid": "abc",
                },
            )
            self._assert_no_server_error(body, "hash/pid")
        # Attachment tokens that consteq cannot compare.
        staff = self.env["ir.attachment"].create(
            {"name": "pending.txt", "raw": b"x", "res_model": "mail.compose.message"}
        )
        status, body = self._json(
            "/mail/message/post",
            {
                "thread_model": "support.ticket",
                "thread_id": self.ticket_a.id,
                "post_data": {"body": "x", "attachment_ids": staff.ids},
                "attachment_tokens": ["é"],
                "token": self.token,
            },
        )
        self.assertIn("error", body)
        self._assert_no_server_error(body, "attachment_tokens")
        self.assertEqual(self._snapshot(self.ticket_a), before)
        for thread_id in (99999999999999999999, -1, "abc"):
            status, body = self._json(
                "/mail/message/post",
                {
                    "thread_model": "support.ticket",
                    "thread_id": thread_id,
                    "post_data": {"body": "x"},
                    "token": self.token,
                },
            )
            self._assert_no_server_error(body, thread_id)
        # A NUL byte posted through the chatter with the link: removed.
        status, body = self._json(
            "/mail/message/post",
            {
                "thread_model": "support.ticket",
                "thread_id": self.ticket_a.id,
                "post_data": {"body": "Chatter\x00 reply", "message_type": "comment"},
                "token": self.token,
            },
        )
        self._assert_no_server_error(body, "nul")
        message = self.ticket_a.message_ids[0]
        self.assertIn("Chatter reply", message.body)
        self.assertIn(
            message.author_id,
            self.ticket_a.partner_id | self.ticket_a.partner_contact_id,
        )
        self.assertEqual(
            self._snapshot(self.ticket_a)["followers"], before["followers"]
        )
        # The chatter's upload.
        for data, files in (
            ({"thread_model": "support.ticket", "thread_id": "abc"}, True),
            (
                {"thread_model": "support.ticket", "thread_id": "99999999999999999999"},
                True,
            ),
            (
                {
                    "thread_model": "support.ticket",
                    "thread_id": str(self.ticket_a.id),
                    "ufile": "text",
                    "token": self.token,
                },
                False,
            ),
        ):
            attachments = self._snapshot(self.ticket_a)["attachments"]
            data = dict(data, csrf_token=http.Request.csrf_token(self))
            response = self.url_open(
                "/mail/attachment/upload",
                data=data,
                files={"ufile": ("f.txt", b"x", "text/plain")} if files else None,
            )
            self.assertIn(response.status_code, (400, 403, 404), data)
            self.assertEqual(
                self._snapshot(self.ticket_a)["attachments"], attachments, data
            )
        # A NUL byte in the file's name (requests would escape it: raw body).
        boundary = "supportdeskboundary"
        fields_ = {
            "thread_model": "support.ticket",
            "thread_id": str(self.ticket_a.id),
            "token": self.token,
            "is_pending": "true",
            "csrf_token": http.Request.csrf_token(self),
        }
        body = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"'
            f"\r\n\r\n{value}\r\n".encode()
            for key, value in fields_.items()
        )
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="ufile"; '
            f'filename="nul\x00name.txt"\r\nContent-Type: text/plain\r\n\r\n'
            f"x\r\n--{boundary}--\r\n"
        ).encode()
        response = self.url_open(
            "/mail/attachment/upload",
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        self.assertEqual(response.status_code, 200)
        attachment = self.env["ir.attachment"].browse(
            response.json()["data"]["ir.attachment"][0]["id"]
        )
        self.assertEqual(attachment.name, "nulname.txt")
