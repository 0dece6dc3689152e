from lxml import html

from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_portal import SupportPortalCommon

LOGGERS = ("odoo.http", "odoo.addons.base.models.ir_attachment")


@tagged("post_install", "-at_install")
class TestPortalAttachmentDownload(SupportPortalCommon):
    """Files of a ticket's page: downloaded by their token, nobody else's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.public = cls._post_file(cls.ticket_a, "answer_a.txt", b"answer for Anna")
        cls.foreign = cls._post_file(cls.ticket_b, "answer_b.txt", b"answer for Bruno")
        cls.staff = cls._post_file(
            cls.ticket_a, "note_a.txt", b"staff only", subtype="mail.mt_note"
        )

    @classmethod
    def _post_file(cls, ticket, name, content, subtype="mail.mt_comment"):
        message = ticket.message_post(
            body=f"About {name}",
            message_type="comment",
            subtype_xmlid=subtype,
            attachments=[(name, content)],
        )
        return message.attachment_ids

    def _links(self, response):
        """The download links of the ticket's page, by file name."""
        self.assertEqual(response.status_code, 200)
        document = html.fromstring(response.content)
        return {
            " ".join(link.text_content().split()): link.get("href")
            for link in document.xpath("//a[contains(@class, 'o_support_attachment')]")
        }

    def _assert_refused(self, url, content, label):
        response = self.url_open(url)
        if url.startswith("/web/image/"):
            # Odoo answers a refused image with its placeholder picture.
            self.assertEqual(response.headers["Content-Type"], "image/png")
        else:
            self.assertIn(response.status_code, (403, 404), (label, url))
        self.assertNotIn(content, response.content, (label, url))

    def test_public_file_by_its_token(self):
        self._login(self.portal_a)
        links = self._links(self.url_open(f"/my/tickets/{self.ticket_a.id}"))
        self.assertEqual(list(links), ["answer_a.txt"], "the staff's file not listed")
        self.env.invalidate_all()
        self.assertTrue(self.public.access_token)
        self.assertIn(f"access_token={self.public.access_token}", links["answer_a.txt"])
        for label in ("customer", "anonymous"):
            if label == "anonymous":
                self.url_open("/web/session/logout")
                self.authenticate(None, None)
            response = self.url_open(links["answer_a.txt"])
            self.assertEqual(response.status_code, 200, label)
            self.assertEqual(response.content, b"answer for Anna", label)
        # Without the file's token, a visitor gets nothing.
        self._assert_refused(f"/web/content/{self.public.id}", b"answer", "anonymous")

    @mute_logger(*LOGGERS)
    def test_other_customer_file_refused(self):
        token_a = self.ticket_a._portal_ensure_token()
        self.foreign.generate_access_token()
        self._login(self.portal_a)
        self._links(self.url_open(f"/my/tickets/{self.ticket_a.id}"))
        self.env.invalidate_all()
        for url in (
            f"/web/content/{self.foreign.id}",
            f"/web/content/{self.foreign.id}?download=true",
            # another file's token, or the customer's own ticket's token
            f"/web/content/{self.foreign.id}?access_token={self.public.access_token}",
            f"/web/content/{self.foreign.id}?access_token={token_a}",
            f"/web/image/{self.foreign.id}",
        ):
            self._assert_refused(url, b"answer for Bruno", "other customer")
        # The holder of the right token still gets it: the refusals above are
        # about the requester, not a broken download.
        response = self.url_open(
            f"/web/content/{self.foreign.id}?access_token={self.foreign.access_token}"
        )
        self.assertEqual(response.content, b"answer for Bruno")

    @mute_logger(*LOGGERS)
    def test_staff_file_refused(self):
        token_a = self.ticket_a._portal_ensure_token()
        for label, user, query in (
            ("customer", self.portal_a, ""),
            ("customer with the ticket's token", self.portal_a, token_a),
            ("anonymous with the ticket's token", None, token_a),
        ):
            if user:
                self._login(user)
            else:
                self.url_open("/web/session/logout")
                self.authenticate(None, None)
            suffix = f"?access_token={query}" if query else ""
            for url in (
                f"/web/content/{self.staff.id}{suffix}",
                f"/web/content/{self.staff.id}?download=true"
                + (f"&access_token={query}" if query else ""),
                f"/web/image/{self.staff.id}{suffix}",
            ):
                self._assert_refused(url, b"staff only", label)
        # Refusing gave the staff's file no token to be guessed.
        self.env.invalidate_all()
        self.assertFalse(self.staff.access_token)
        self.assertEqual(self.staff.raw, b"staff only")
