from odoo.tests import HttpCase, tagged

from .common import SupportMailCommon, dovecot_imap
from .test_mail_gateway import make_mail


@tagged("post_install", "-at_install")
class TestMailImap(HttpCase, SupportMailCommon):
    """Mails fetched by Odoo's incoming mail server from a real Dovecot."""

    def _imap_server(self, port):
        server = self.env["fetchmail.server"].create(
            {
                "name": "Helpdesk IMAP",
                "server_type": "imap",
                "server": "127.0.0.1",
                "port": port,
                "is_ssl": False,
                "user": "support",
                "password": "secret",
            }
        )
        server.button_confirm_login()
        self.assertEqual(server.state, "done")
        return server

    def _fetch(self, server):
        # fetch_mail() commits after every mail: run it on a test cursor.
        self.env.flush_all()
        with self.registry.cursor() as cr:
            self.env(cr=cr)["fetchmail.server"].browse(server.id).fetch_mail()
        self.env.invalidate_all()

    def test_fetch_from_imap(self):
        with dovecot_imap() as (port, append):
            server = self._imap_server(port)
            append(make_mail(subject="VPN down since 8:00"))
            append(
                make_mail(
                    subject="Re: Ticket T90001",
                    headers={"In-Reply-To": "<t90001@support.example.com>"},
                )
            )
            append(
                make_mail(
                    subject="Out of office", headers={"Auto-Submitted": "auto-replied"}
                )
            )
            self.env.flush_all()
            self._fetch(server)
            ticket = self.env["support.ticket"].search(
                [("name", "=", "VPN down since 8:00")]
            )
            self.assertEqual(ticket.team_id, self.team_a)
            self.assertEqual(ticket.partner_contact_id, self.customer_contact)
            self.assertEqual(ticket.channel, "email")
            self.assertEqual(
                len(
                    self.ticket_open.message_ids.filtered(
                        lambda m: m.message_type == "email"
                    )
                ),
                1,
            )
            self.assertEqual(self._last_drop().reason, "automated")
            # everything was read: a second run finds nothing new
            count = self.env["support.ticket"].search_count([])
            self._fetch(server)
            self.assertEqual(self.env["support.ticket"].search_count([]), count)

    def test_failing_mail_logged(self):
        """A mail whose processing fails is marked read by the fetcher: it must
        at least be in the dropped mails, and leave nothing half-done."""
        self.team_a.default_type_id = self.env["support.ticket.type"].create(
            {"name": "Not for ACME"}
        )
        self.customer.support_type_ids = self.env["support.ticket.type"].create(
            {"name": "ACME only"}
        )
        count = self.env["support.ticket"].search_count([])
        with dovecot_imap() as (port, append):
            server = self._imap_server(port)
            append(make_mail(message_id="<fails@acme.example>"))
            for _run in range(2):
                self._fetch(server)
        self.assertEqual(self.env["support.ticket"].search_count([]), count)
        drops = self.env["support.mail.drop"].search(
            [("message_id", "=", "<fails@acme.example>")]
        )
        self.assertEqual(drops.mapped("reason"), ["error"])
        self.assertIn("ValidationError", drops.details)
