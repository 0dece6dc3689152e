"""The shortcuts of the performance rounds give what the long way gives:
a clean mail is parsed as received, the caches follow the records they are
built from, a batch of tickets is numbered and attached to contracts as
tickets created one by one are."""

import copy
import email
import email.policy
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.support_desk.models.mail_gateway import mail_decode

from .common import SupportMailCommon
from .test_mail_gateway import make_mail


@tagged("post_install", "-at_install")
class TestFastPaths(SupportMailCommon):
    def test_clean_mail_not_copied(self):
        """A mail Odoo reads as it is is returned as it is; one with a header
        or a text part to decode is still decoded (on a copy)."""
        clean = email.message_from_bytes(make_mail(), policy=email.policy.SMTP)
        with patch.object(mail_decode.copy, "deepcopy", wraps=copy.deepcopy) as deep:
            parsed, decoded = mail_decode.normalize_message(clean)
            deep.assert_not_called()
        self.assertIs(parsed, clean)
        self.assertFalse(decoded.changed)
        latin = (
            b"From: anna@acme.example\r\nTo: helpdesk@support.example.com\r\n"
            b"Subject: =?iso-8859-1?q?Caff=E8?=\r\n"
            b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\n"
        ) + "Il caffè è freddo".encode("latin-1")
        dirty = email.message_from_bytes(latin, policy=email.policy.SMTP)
        with patch.object(mail_decode.copy, "deepcopy", wraps=copy.deepcopy) as deep:
            parsed, decoded = mail_decode.normalize_message(dirty)
            deep.assert_called_once()
        self.assertIsNot(parsed, dirty)
        self.assertTrue(decoded.changed)
        self.assertEqual(str(parsed["Subject"]), "Caffè")
        self.assertIn("caffè è freddo", parsed.get_body().get_content())
        # the test's mails had the bytes Odoo misreads: the copy is what changed
        self.assertEqual(dirty.get_content_charset(), "iso-8859-1")

    def test_own_addresses_follow_aliases(self):
        """The cached own addresses see a new alias and a renamed one at once:
        a mail from an alias address is dropped as a loop."""
        Ticket = self.env["support.ticket"]
        self.assertTrue(Ticket._support_is_own_address("helpdesk@support.example.com"))
        self.assertFalse(Ticket._support_is_own_address("billing@support.example.com"))
        self.team_b.alias_name = "billing"
        self.assertTrue(Ticket._support_is_own_address("billing@support.example.com"))
        self.assertFalse(
            Ticket._support_is_own_address("sales-support@support.example.com")
        )
        self.assertFalse(self._process(make_mail(sender="billing@support.example.com")))
        self.assertEqual(self._last_drop().reason, "loop")
        self.alias_domain.bounce_alias = "returns"
        self.assertTrue(Ticket._support_is_own_address("returns@support.example.com"))

    def test_default_priority_follows_priorities(self):
        """Medium, cached; once its reference is gone, the first priority."""
        medium = self.env.ref("support_desk.support_priority_medium")
        self.assertEqual(self._create_ticket().priority_id, medium)
        self.env["ir.model.data"].search(
            [("module", "=", "support_desk"), ("name", "=", "support_priority_medium")]
        ).unlink()
        first = self.env["support.priority"].search([], limit=1)
        self.assertNotEqual(first, medium)
        self.assertEqual(self._create_ticket().priority_id, first)

    def test_batch_numbers_and_contracts(self):
        """A batch is numbered in order from the sequence, as one by one, and
        each ticket gets its own customer's contract."""
        Contract = self.env["support.contract"]
        contract_a, contract_b = Contract.create(
            [
                {"name": "A", "partner_id": self.customer.id, "state": "active",
                 "date_start": "2020-01-01"},
                {"name": "B", "partner_id": self.other_customer.id,
                 "state": "active", "date_start": "2020-01-01"},
            ]
        )  # fmt: skip
        single = self._create_ticket()
        batch = self.env["support.ticket"].create(
            [
                {"name": f"Batch {n}", "partner_id": customer.id}
                for n, customer in enumerate(
                    [self.customer, self.other_customer, self.customer]
                )
            ]
            + [{"name": "Given", "partner_id": self.customer.id, "number": "X1"}]
        )
        numbers = [single.number, *batch[:3].mapped("number")]
        digits = [int("".join(filter(str.isdigit, n))) for n in numbers]
        self.assertEqual(digits, list(range(digits[0], digits[0] + 4)))
        self.assertEqual(batch[3].number, "X1")
        self.assertEqual(
            batch.mapped("contract_id"),
            contract_a | contract_b,
        )
        self.assertEqual(
            [t.contract_id for t in batch],
            [contract_a, contract_b, contract_a, contract_a],
        )
        sequence = self.env["ir.sequence"].search([("code", "=", "support.ticket")])
        # a sequence by date range starts each range at 1: another prefix
        sequence.write({"use_date_range": True, "prefix": "TD"})
        dated = self.env["support.ticket"].create(
            [{"name": "Dated 1", "partner_id": self.customer.id},
             {"name": "Dated 2", "partner_id": self.customer.id}]
        )  # fmt: skip
        self.assertEqual(dated.mapped("number"), ["TD00001", "TD00002"])
