import email
import json
from email import policy
from pathlib import Path

from odoo import tools
from odoo.tests import tagged

from .common import SupportMailCommon

CORPUS = Path(__file__).parent / "fixtures" / "mail"


@tagged("post_install", "-at_install")
class TestMailCorpus(SupportMailCommon):
    """Replay the raw mails of tests/fixtures/mail, in order, through the
    gateway; each must end as the ticket, message or logged drop that
    expected.json says. Nothing is lost."""

    def test_corpus(self):
        expected = json.loads((CORPUS / "expected.json").read_text())
        self.assertGreaterEqual(len(expected), 40)
        tickets = {
            t.number: t
            for t in (self.ticket_open, self.ticket_closed_a, self.ticket_closed_b)
        }
        for case in expected:
            with self.subTest(mail=case["file"]):
                raw = (CORPUS / case["file"]).read_bytes()
                ticket = self._replay(case, raw, tickets)
                if ticket:
                    tickets[case["file"]] = ticket

    def _replay(self, case, raw, tickets):
        Ticket = self.env["support.ticket"]
        before = Ticket.search([]).ids
        drops = self.env["support.mail.drop"].search_count([])
        result = self._process(raw)
        outcome = case["outcome"]
        if outcome == "drop":
            self.assertFalse(result)
            self.assertEqual(Ticket.search([]).ids, before)
            self.assertEqual(self.env["support.mail.drop"].search_count([]), drops + 1)
            self.assertEqual(self._last_drop().reason, case["reason"])
            return None
        self.assertTrue(result, "no ticket and no message")
        self.assertEqual(self.env["support.mail.drop"].search_count([]), drops)
        ticket = Ticket.browse(result)
        message_id = email.message_from_bytes(raw, policy=policy.SMTP)["Message-ID"]
        messages = ticket.message_ids.filtered(lambda m: m.message_type == "email")
        message = (
            messages.filtered(lambda m: m.message_id == message_id.strip())
            if message_id
            else messages[:1]
        )
        self.assertEqual(len(message), 1, "the mail is one message of the ticket")
        if outcome == "new":
            self.assertNotIn(ticket.id, before)
            self.assertEqual(ticket.channel, "email")
            if case.get("new_linked_to"):
                self.assertIn(tickets[case["new_linked_to"]], ticket.related_ticket_ids)
            self._check_new(ticket, message, case.get("check", {}))
            return ticket
        self.assertEqual(ticket, tickets[case["ticket"]])
        self.assertEqual(bool(message.subtype_id.internal), bool(case.get("note")))
        if case.get("reopened"):
            self.assertEqual(ticket.state, "in_progress")
        self._check_body(message.body, case.get("check", {}))
        self._check_attachments(message, case.get("check", {}))
        return None

    def _check_new(self, ticket, message, check):
        # Issue 26: whatever the charset, nothing a person reads is garbled.
        for text in (ticket.name, ticket.description, message.body):
            self.assertNotIn("\ufffd", str(text or ""))
        self.assertTrue(
            tools.html2plaintext(ticket.description or "").strip(),
            "a ticket from mail is never empty",
        )
        if "author_name" in check:
            self.assertIn(check["author_name"], message.email_from)
        if "note_contains" in check:
            notes = ticket.message_ids.filtered(
                lambda m: m.message_type == "comment" and m.subtype_id.internal
            )
            self.assertTrue(
                any(check["note_contains"] in str(note.body) for note in notes),
                "an internal note says what could not be read",
            )
        if "name" in check:
            self.assertEqual(ticket.name, check["name"])
        if "name_startswith" in check:
            self.assertTrue(ticket.name.startswith(check["name_startswith"]))
            self.assertLessEqual(len(ticket.name), 250)
        if "team" in check:
            self.assertEqual(ticket.team_id.name, check["team"])
        if "partner" in check:
            self.assertEqual(ticket.partner_id.name or False, check["partner"])
        if "contact_email" in check:
            self.assertEqual(
                tools.email_normalize(ticket.email_from), check["contact_email"]
            )
        for address in check.get("cc_contains", []):
            self.assertIn(address, (ticket.email_cc or "").lower())
            self.assertIn(address, (message.incoming_email_cc or "").lower())
        self._check_body(ticket.description, check)
        self._check_body(message.body, check)
        self._check_attachments(message, check)

    def _check_body(self, body, check):
        text = str(body or "")
        self.assertNotIn("\ufffd", text)
        for needle in check.get("body_contains", []):
            self.assertIn(needle, text)
        for needle in check.get("body_not_contains", []):
            self.assertNotIn(needle.lower(), text.lower())

    def _check_attachments(self, message, check):
        if "attachments" in check:
            self.assertEqual(len(message.attachment_ids), check["attachments"])
        if "attachment_names" in check:
            self.assertEqual(
                sorted(message.attachment_ids.mapped("name")),
                sorted(check["attachment_names"]),
            )
