import base64
import json
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import JsonRpcMixin, SupportMailCommon
from .test_mail_gateway import make_mail

CORPUS = Path(__file__).parent / "fixtures" / "mail"


class SupportMailSecurityCommon(JsonRpcMixin, HttpCase, SupportMailCommon):
    """Customer B of another company, and helpers to attack over JSON-RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Ticket = cls.env["support.ticket"]
        # Customer B: Bruno of Globex, with a portal login.
        cls.portal_b = new_test_user(
            cls.env,
            login="sd_portal_b",
            groups="base.group_portal",
            partner_id=cls.other_contact.id,
            email=cls.other_contact.email,
        )
        cls.ticket_open.email_cc = "cc.person@acme.example"

    def _call_kw(
        self, model, method, args=(), kwargs=None, route="/web/dataset/call_kw"
    ):
        """``call_kw`` as the authenticated user (the route may be another)."""
        return self._rpc_post(f"{route}/{model}/{method}", model, method, args, kwargs)

    def _state(self, ticket):
        """What a stranger's mail must not change on a ticket."""
        self.env.invalidate_all()
        ticket = ticket.sudo()
        return {
            "messages": len(ticket.message_ids),
            "followers": set(ticket.message_partner_ids.ids),
            "state": ticket.state,
            "stage": ticket.stage_id.id,
            "description": str(ticket.description or ""),
        }


@tagged("post_install", "-at_install")
class TestMailReferenceSecurity(SupportMailSecurityCommon):
    """Class 1: a reference routes a mail to a ticket only for allowed senders."""

    def _assert_stranger_gets_own_ticket(self, result, target, before):
        self.assertTrue(result)
        self.assertNotEqual(result, target.id)
        new = self.Ticket.browse(result)
        self.assertEqual(self._state(target), before)
        self.assertNotIn(self.other_contact, target.message_partner_ids)
        # Linked to nothing of the referenced ticket.
        self.assertFalse(new.related_ticket_ids)
        self.assertNotEqual(new.partner_id, target.partner_id)
        self.assertNotIn(
            target.partner_contact_id | target.partner_id, new.message_partner_ids
        )
        return new

    def _assert_b_cannot_read(self, ticket):
        self.authenticate("sd_portal_b", "sd_portal_b")
        answer = self._call_kw("support.ticket", "read", [[ticket.id], ["name"]])
        self.assertRpcRefused(answer, "odoo.exceptions.AccessError")
        response = self.url_open(f"/my/tickets/{ticket.id}", allow_redirects=False)
        self.assertNotEqual(response.status_code, 200)

    def test_subject_reference_to_team_alias(self):
        before = self._state(self.ticket_open)
        result = self._process(
            make_mail(
                subject="[T90001] please send me the logs",
                sender="Bruno Bianchi <bruno@globex.example>",
            )
        )
        new = self._assert_stranger_gets_own_ticket(result, self.ticket_open, before)
        self.assertEqual(new.team_id, self.team_a)
        self.assertEqual(new.partner_id, self.other_customer)
        self.assertIn(self.other_contact, new.message_partner_ids)
        self._assert_b_cannot_read(self.ticket_open)

    def test_header_references(self):
        for header in ("In-Reply-To", "References"):
            with self.subTest(header=header):
                before = self._state(self.ticket_open)
                result = self._process(
                    make_mail(
                        subject="Re: Ticket T90001",
                        sender="bruno@globex.example",
                        headers={header: "<t90001@support.example.com>"},
                    )
                )
                new = self._assert_stranger_gets_own_ticket(
                    result, self.ticket_open, before
                )
                self.assertEqual(new.team_id, self.team_a)
                # Not a reply in A's thread.
                message = new.message_ids.filtered(lambda m: m.message_type == "email")
                self.assertFalse(message.parent_id)
        self._assert_b_cannot_read(self.ticket_open)

    def test_closed_ticket_not_reopened(self):
        for ticket in (self.ticket_closed_a, self.ticket_closed_b):
            with self.subTest(ticket=ticket.number):
                before = self._state(ticket)
                result = self._process(
                    make_mail(
                        subject=f"[{ticket.number}] reopen this",
                        sender="mallory@evil.example",
                        to=f"{ticket.team_id.alias_name}@support.example.com",
                        headers={"In-Reply-To": ticket.message_ids[-1].message_id},
                    )
                )
                new = self.Ticket.browse(result)
                self.assertTrue(new)
                self.assertNotEqual(new, ticket)
                self.assertEqual(self._state(ticket), before)
                self.assertEqual(ticket.state, "done")
                self.assertFalse(new.related_ticket_ids)
                self.assertNotIn(ticket, new.related_ticket_ids)

    def test_allowed_senders_land_on_ticket(self):
        follower = self.env["res.partner"].create(
            {"name": "Follower", "email": "follower@partner.example"}
        )
        self.ticket_open.message_subscribe(partner_ids=follower.ids)
        self.agent.partner_id.email = "agent.a@support-staff.example"
        marco = self.env["res.partner"].create(
            {
                "name": "Marco Galli",
                "email": "marco@acme.example",
                "parent_id": self.customer.id,
            }
        )
        allowed = [
            "anna@acme.example",  # the ticket's contact
            "info@acme.example",  # the ticket's account
            "follower@partner.example",  # a follower
            "cc.person@acme.example",  # in the ticket's CC
            "agent.a@support-staff.example",  # an agent who reads it
        ]
        for i, sender in enumerate(allowed):
            with self.subTest(sender=sender):
                result = self._process(
                    make_mail(subject=f"[T90001] news {i}", sender=sender)
                )
                self.assertEqual(result, self.ticket_open.id)
                result = self._process(
                    make_mail(
                        subject=f"Re: news {i}",
                        sender=sender,
                        to="sales-support@support.example.com",
                        headers={"In-Reply-To": "<t90001@support.example.com>"},
                    )
                )
                self.assertEqual(result, self.ticket_open.id)
        # A contact of the company: only when it shows all its tickets.
        self.assertNotEqual(
            self._process(make_mail(subject="[T90001] a", sender=marco.email)),
            self.ticket_open.id,
        )
        self.customer.support_portal_company_visible = True
        self.assertEqual(
            self._process(make_mail(subject="[T90001] b", sender=marco.email)),
            self.ticket_open.id,
        )
        # An agent of another team, who cannot read it: a ticket of their own.
        self.agent_b.partner_id.email = "agent.b@support-staff.example"
        self.assertFalse(self.ticket_open.with_user(self.agent_b).has_access("read"))
        result = self._process(
            make_mail(subject="[T90001] c", sender="agent.b@support-staff.example")
        )
        self.assertNotEqual(result, self.ticket_open.id)
        self.assertNotIn(self.agent_b.partner_id, self.ticket_open.message_partner_ids)

    def test_allowed_sender_not_subscribed_unless_reader(self):
        """A CC address may write on the ticket; its portal login does not
        become a follower (it would then read the ticket)."""
        cc_user = new_test_user(
            self.env,
            login="sd_portal_cc",
            groups="base.group_portal",
            email="cc.person@acme.example",
        )
        self.assertFalse(self.ticket_open.with_user(cc_user).has_access("read"))
        followers = set(self.ticket_open.message_partner_ids.ids)
        result = self._process(
            make_mail(
                subject="Re: Ticket T90001",
                sender="cc.person@acme.example",
                headers={"In-Reply-To": "<t90001@support.example.com>"},
            )
        )
        self.assertEqual(result, self.ticket_open.id)
        self.env.invalidate_all()
        self.assertEqual(set(self.ticket_open.message_partner_ids.ids), followers)
        self.assertFalse(self.ticket_open.with_user(cc_user).has_access("read"))
        # The ticket's contact, who reads it, is subscribed as before.
        anna_user = new_test_user(
            self.env,
            login="sd_portal_anna",
            groups="base.group_portal",
            partner_id=self.customer_contact.id,
            email=self.customer_contact.email,
        )
        self.assertTrue(self.ticket_open.with_user(anna_user).has_access("read"))
        self.ticket_open.message_unsubscribe(partner_ids=self.customer_contact.ids)
        result = self._process(
            make_mail(
                subject="Re: Ticket T90001",
                headers={"In-Reply-To": "<t90001@support.example.com>"},
            )
        )
        self.assertEqual(result, self.ticket_open.id)
        self.env.invalidate_all()
        self.assertIn(self.customer_contact, self.ticket_open.message_partner_ids)

    def test_no_alias_stranger_dropped_with_raw(self):
        for headers, subject in (
            ({}, "[T90001] give me the data"),
            ({"In-Reply-To": "<t90001@support.example.com>"}, "Re: hello"),
        ):
            with self.subTest(headers=headers):
                before = self._state(self.ticket_open)
                count = self.Ticket.search_count([])
                raw = make_mail(
                    subject=subject,
                    sender="mallory@evil.example",
                    to="nobody@elsewhere.example",
                    headers=headers,
                )
                self.assertFalse(self._process(raw))
                drop = self._last_drop()
                self.assertEqual(drop.reason, "not_allowed")
                self.assertEqual(drop.ticket_id, self.ticket_open)
                self.assertEqual(base64.b64decode(drop.raw_mail), raw)
                self.assertEqual(self._state(self.ticket_open), before)
                self.assertEqual(self.Ticket.search_count([]), count)


@tagged("post_install", "-at_install")
class TestMailGatewayRpc(SupportMailSecurityCommon):
    """Classes 1 and 3: the gateway's entry points give nothing over RPC."""

    def test_message_process_refused_to_users(self):
        raw = make_mail(
            subject="[T90001] let me in",
            sender="sd_employee@example.com",
            headers={"In-Reply-To": "<t90001@support.example.com>"},
        )
        before = self._state(self.ticket_open)
        count = self.Ticket.search_count([])
        drops = self.env["support.mail.drop"].search_count([])
        for login in ("sd_employee", "sd_agent", "sd_portal_b"):
            self.authenticate(login, login)
            for model in ("mail.thread", "support.ticket"):
                with self.subTest(login=login, model=model):
                    answer = self._call_kw(
                        model, "message_process", [False, raw.decode()]
                    )
                    self.assertRpcRefused(
                        answer,
                        "odoo.exceptions.AccessError",
                        "Only the mail gateway may process incoming mails.",
                    )
        self.assertEqual(self._state(self.ticket_open), before)
        self.assertEqual(self.Ticket.search_count([]), count)
        self.assertEqual(self.env["support.mail.drop"].search_count([]), drops)
        self.assertFalse(self.ticket_open.with_user(self.employee).has_access("read"))

    def test_mailgate_administrator_allowed(self):
        """The mailgate script calls message_process as an administrator."""
        self.authenticate("admin", "admin")
        answer = self._call_kw(
            "mail.thread", "message_process", [False, make_mail().decode()]
        )
        self.assertIn("result", answer, answer)
        self.assertTrue(self.Ticket.browse(answer["result"]).exists())

    def test_private_gateway_methods(self):
        msg_dict = {
            "subject": "x",
            "email_from": "sd_employee@example.com",
            "body": "<p>owned</p>",
        }
        before = self._state(self.ticket_closed_a)
        count = self.Ticket.search_count([])
        self.authenticate("sd_employee", "sd_employee")
        calls = [
            ("support.ticket", "message_new", [msg_dict, {"team_id": self.team_a.id}]),
            ("support.ticket", "message_update", [[self.ticket_closed_a.id], msg_dict]),
            ("mail.thread", "message_route", [msg_dict, msg_dict]),
            ("support.ticket", "message_route", [msg_dict, msg_dict]),
        ]
        for model, method, args in calls:
            with self.subTest(method=method, model=model):
                answer = self._call_kw(model, method, args)
                self.assertRpcRefused(
                    answer, "odoo.exceptions.AccessError", "cannot be called remotely"
                )
        self.assertEqual(self._state(self.ticket_closed_a), before)
        self.assertEqual(self.Ticket.search_count([]), count)

    def test_new_ticket_context_key_writes_nothing(self):
        own = self._create_ticket(name="Employee's own", description="<p>Original</p>")
        own.sudo().opened_by_id = self.employee
        shared = self.ticket_open
        shared.message_subscribe(partner_ids=self.employee.partner_id.ids)
        self.assertTrue(own.with_user(self.employee).has_access("write"))
        self.assertTrue(shared.with_user(self.employee).has_access("read"))
        self.assertFalse(shared.with_user(self.employee).has_access("write"))
        shared.sudo().description = "<p>Customer's description</p>"
        before_own, before_shared = self._state(own), self._state(shared)
        self.authenticate("sd_employee", "sd_employee")
        context = {
            "support_mail_new_ticket": True,
            "support_mail_holder": {"automated": False, "reason": None},
        }
        # call_kw on the employee's own ticket: the message is posted, the
        # description stays.
        answer = self._call_kw(
            "support.ticket",
            "message_post",
            [[own.id]],
            {
                "body": "<p>pwned</p>",
                "message_type": "comment",
                "context": context,
            },
        )
        self.assertIn("result", answer, answer)
        self.env.invalidate_all()
        self.assertEqual(str(own.description), before_own["description"])
        # On a ticket the employee only follows: a follower may reply
        # (_mail_post_access), never rewrite the description.
        answer = self._call_kw(
            "support.ticket",
            "message_post",
            [[shared.id]],
            {"body": "<p>pwned</p>", "message_type": "comment", "context": context},
        )
        self.assertIn("result", answer, answer)
        after = self._state(shared)
        self.assertEqual(after["description"], before_shared["description"])
        self.assertEqual(after["followers"], before_shared["followers"])
        self.assertEqual(after["state"], before_shared["state"])
        # The same through the discuss route, with the context it accepts.
        response = self.url_open(
            "/mail/message/post",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 2,
                    "params": {
                        "thread_model": "support.ticket",
                        "thread_id": own.id,
                        "post_data": {
                            "body": "<p>pwned again</p>",
                            "message_type": "comment",
                            "subtype_xmlid": "mail.mt_comment",
                        },
                        "context": context,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(str(own.description), before_own["description"])
        # Only the employee (the author) joined the followers of their ticket.
        self.assertLessEqual(
            self._state(own)["followers"],
            before_own["followers"] | {self.employee.partner_id.id},
        )


def mail_with_attachment(**kwargs):
    message = EmailMessage()
    message["From"] = kwargs.get("sender", "Anna Rossi <anna@acme.example>")
    message["To"] = kwargs.get("to", "helpdesk@support.example.com")
    message["Subject"] = kwargs.get("subject", "Weekly digest")
    message["Message-ID"] = make_msgid(domain="acme.example")
    for name, value in kwargs.get("headers", {}).items():
        message[name] = value
    message.set_content(kwargs.get("body", "The digest body: server RACK-7 is hot."))
    message.add_attachment(
        b"temperature,42\n", maintype="text", subtype="csv", filename="rack7.csv"
    )
    return message.as_bytes()


@tagged("post_install", "-at_install")
class TestMailDropRestore(SupportMailSecurityCommon):
    """Class 12: dropped mails keep their raw source, managers restore them."""

    def test_raw_kept_for_every_reason(self):
        self.company.support_mail_rate_limit = 1
        dup = make_mail(subject="Dup", message_id="<dup-raw@acme.example>")
        self.assertTrue(self._process(dup))
        self._process(make_mail(subject="Rate 1", sender="flood@acme.example"))
        cases = [
            ("duplicate", dup),
            ("blacklisted", make_mail(sender="x@spam.example")),
            ("loop", make_mail(sender="helpdesk@support.example.com")),
            ("automated", make_mail(headers={"List-Id": "<news.acme.example>"})),
            ("rate_limit", make_mail(subject="Rate 2", sender="flood@acme.example")),
            ("no_route", make_mail(to="nobody@support.example.com")),
            (
                "not_allowed",
                make_mail(
                    subject="[T90001] x",
                    sender="mallory@evil.example",
                    to="nobody@elsewhere.example",
                ),
            ),
            ("bounce", (CORPUS / "39_bounce_postfix_dsn.eml").read_bytes()),
        ]
        for reason, raw in cases:
            with self.subTest(reason=reason):
                self.assertFalse(self._process(raw))
                drop = self._last_drop()
                self.assertEqual(drop.reason, reason)
                self.assertEqual(base64.b64decode(drop.raw_mail), raw)

    def test_raw_mail_managers_only(self):
        raw = make_mail(sender="x@spam.example")
        self._process(raw)
        drop = self._last_drop()
        attachment = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "support.mail.drop"),
                ("res_id", "=", drop.id),
                ("res_field", "=", "raw_mail"),
            ]
        )
        self.assertEqual(len(attachment), 1)
        self.authenticate("sd_manager", "sd_manager")
        answer = self._call_kw("support.mail.drop", "read", [[drop.id], ["raw_mail"]])
        self.assertEqual(base64.b64decode(answer["result"][0]["raw_mail"]), raw)
        for login in ("sd_agent", "sd_ticket_admin", "sd_employee", "sd_portal"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                answer = self._call_kw(
                    "support.mail.drop", "read", [[drop.id], ["raw_mail"]]
                )
                self.assertRpcRefused(answer, "odoo.exceptions.AccessError")
                answer = self._call_kw(
                    "ir.attachment", "read", [attachment.ids, ["datas"]]
                )
                self.assertRpcRefused(answer, "odoo.exceptions.AccessError")
                response = self.url_open(
                    f"/web/content/support.mail.drop/{drop.id}/raw_mail"
                )
                self.assertIn(response.status_code, (403, 404))
                self.assertNotIn(b"x@spam.example", response.content)

    def test_restore_as_ticket(self):
        raw = mail_with_attachment(headers={"List-Id": "<digest.acme.example>"})
        count = self.Ticket.search_count([])
        self.assertFalse(self._process(raw))
        drop = self._last_drop()
        self.assertEqual(drop.reason, "automated")
        # Agents may not restore.
        self.authenticate("sd_agent", "sd_agent")
        answer = self._call_kw("support.mail.drop", "action_restore", [[drop.id]])
        self.assertRpcRefused(answer, "odoo.exceptions.AccessError")
        self.assertEqual(self.Ticket.search_count([]), count)
        self.assertFalse(drop.restored_ticket_id)
        # A manager restores it: a ticket with the body and the attachment.
        self.authenticate("sd_manager", "sd_manager")
        answer = self._call_kw("support.mail.drop", "action_restore", [[drop.id]])
        self.assertIn("result", answer, answer)
        self.env.invalidate_all()
        ticket = drop.restored_ticket_id
        self.assertTrue(ticket)
        self.assertEqual(answer["result"]["res_id"], ticket.id)
        self.assertEqual(self.Ticket.search_count([]), count + 1)
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertEqual(ticket.partner_contact_id, self.customer_contact)
        self.assertIn("RACK-7", str(ticket.description))
        message = ticket.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(len(message), 1)
        self.assertFalse(message.subtype_id.internal)
        self.assertEqual(message.attachment_ids.mapped("name"), ["rack7.csv"])
        # Twice: refused, nothing more.
        answer = self._call_kw("support.mail.drop", "action_restore", [[drop.id]])
        self.assertRpcRefused(answer, "odoo.exceptions.UserError", "already restored")
        self.assertEqual(self.Ticket.search_count([]), count + 1)

    def test_restore_keeps_sender_check(self):
        target = self.ticket_open
        raw = make_mail(
            subject="Re: [T90001] data please",
            sender="mallory@evil.example",
            to="nobody@elsewhere.example",
            headers={"In-Reply-To": "<t90001@support.example.com>"},
        )
        self.assertFalse(self._process(raw))
        drop = self._last_drop()
        self.assertEqual(drop.reason, "not_allowed")
        before = self._state(target)
        ticket = (
            drop.with_user(self.manager).action_restore() and drop.restored_ticket_id
        )
        self.assertTrue(ticket)
        self.assertNotEqual(ticket, target)
        self.assertEqual(self._state(target), before)
        self.assertFalse(ticket.related_ticket_ids)
        # The allowed sender's dropped reply goes back onto the ticket.
        self.company.support_mail_rate_limit = 1
        self._process(make_mail(subject="[T90001] one"))
        raw = make_mail(subject="[T90001] two", body="Second mail of the hour.")
        self.assertFalse(self._process(raw))
        drop = self._last_drop()
        self.assertEqual(drop.reason, "rate_limit")
        drop.with_user(self.manager).action_restore()
        self.assertEqual(drop.restored_ticket_id, target)
        self.assertIn("Second mail of the hour", str(target.message_ids[0].body))

    def test_restore_without_raw_refused(self):
        self._process(make_mail(sender="x@spam.example"))
        drop = self._last_drop()
        drop.raw_mail = False
        count = self.Ticket.search_count([])
        self.authenticate("sd_manager", "sd_manager")
        answer = self._call_kw("support.mail.drop", "action_restore", [[drop.id]])
        self.assertRpcRefused(answer, "odoo.exceptions.UserError", "no raw mail")
        self.assertEqual(self.Ticket.search_count([]), count)
        self.assertFalse(drop.restored_ticket_id)

    def test_retention_cron(self):
        self._process(make_mail(sender="x@spam.example", subject="old"))
        old = self._last_drop()
        self._process(make_mail(sender="x@spam.example", subject="recent"))
        recent = self._last_drop()
        self.env["ir.config_parameter"].set_param(
            "support_desk.mail_drop_retention_days", "10"
        )
        old.date = fields.Datetime.now() - timedelta(days=11)
        recent.date = fields.Datetime.now() - timedelta(days=9)
        self.env["support.mail.drop"]._cron_purge_raw_mails()
        self.env.invalidate_all()
        self.assertFalse(old.raw_mail)
        self.assertTrue(old.exists())
        self.assertEqual(old.subject, "old")
        self.assertTrue(recent.raw_mail)
        cron = self.env.ref("support_desk.ir_cron_mail_drop_purge")
        self.assertEqual(cron.code, "model._cron_purge_raw_mails()")
