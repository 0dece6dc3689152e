from email.message import EmailMessage
from email.utils import make_msgid

from odoo import tools
from odoo.tests import tagged

from .common import SupportMailCommon


def make_mail(
    subject="Printer broken",
    sender="Anna Rossi <anna@acme.example>",
    to="helpdesk@support.example.com",
    body="The printer on floor 2 does not print.",
    headers=None,
    **extra,
):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Tue, 01 Dec 2026 09:00:00 +0100"
    message["Message-ID"] = extra.pop("message_id", None) or make_msgid(
        domain="acme.example"
    )
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


@tagged("post_install", "-at_install")
class TestMailGateway(SupportMailCommon):
    def setUp(self):
        super().setUp()
        self.Ticket = self.env["support.ticket"]

    def test_files_alone_are_a_readable_mail(self):
        """A scanner's mail (a PDF, no text) is no unreadable mail: no raw copy
        attached, no note; an empty mail with nothing at all still gets both."""
        message = EmailMessage()
        message["From"] = "Anna Rossi <anna@acme.example>"
        message["To"] = "helpdesk@support.example.com"
        message["Subject"] = "Scan"
        message["Message-ID"] = make_msgid(domain="acme.example")
        message.add_attachment(
            b"%PDF-1.4 scan", maintype="application", subtype="pdf",
            filename="scan.pdf",
        )  # fmt: skip
        ticket = self.Ticket.browse(self._process(message.as_bytes()))
        self.assertEqual(ticket.attachment_ids.mapped("name"), ["scan.pdf"])
        self.assertNotIn("could be read", str(ticket.description or ""))
        empty = self.Ticket.browse(self._process(make_mail(subject="Nothing", body="")))
        self.assertIn("original-mail.eml", empty.attachment_ids.mapped("name"))

    def test_new_ticket_from_known_sender(self):
        ticket = self.Ticket.browse(
            self._process(make_mail(headers={"Cc": "x@y.example"}))
        )
        self.assertEqual(ticket.name, "Printer broken")
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertEqual(ticket.channel, "email")
        self.assertEqual(ticket.partner_id, self.customer)
        self.assertEqual(ticket.partner_contact_id, self.customer_contact)
        self.assertIn("floor 2", ticket.description)
        self.assertIn("x@y.example", ticket.email_cc)
        message = ticket.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(len(message), 1)
        self.assertIn("x@y.example", message.incoming_email_cc)
        self.assertIn("helpdesk@support.example.com", message.incoming_email_to)

    def test_team_defaults(self):
        priority = self.env.ref("support_desk.support_priority_high")
        self.team_b.default_priority_id = priority
        ticket = self.Ticket.browse(
            self._process(make_mail(to="sales-support@support.example.com"))
        )
        self.assertEqual(ticket.team_id, self.team_b)
        self.assertEqual(ticket.priority_id, priority)

    def test_unknown_sender_company_by_domain(self):
        # a known company domain: the sender becomes its contact
        ticket = self.Ticket.browse(
            self._process(make_mail(sender="Carla Neri <carla@acme.example>"))
        )
        self.assertEqual(ticket.partner_id, self.customer)
        self.assertEqual(ticket.partner_contact_id.email, "carla@acme.example")
        # a new domain: Team A creates the company
        ticket = self.Ticket.browse(
            self._process(make_mail(sender="Dino <dino@newco.example>"))
        )
        self.assertEqual(ticket.partner_id.name, "newco.example")
        self.assertTrue(ticket.partner_id.is_company)
        self.assertEqual(ticket.partner_contact_id.email, "dino@newco.example")
        # a public provider: never a company
        companies = self.env["res.partner"].search_count([("is_company", "=", True)])
        ticket = self.Ticket.browse(
            self._process(make_mail(sender="Eva <eva.x@gmail.com>"))
        )
        self.assertFalse(ticket.partner_id)
        self.assertEqual(tools.email_normalize(ticket.email_from), "eva.x@gmail.com")
        self.assertEqual(
            self.env["res.partner"].search_count([("is_company", "=", True)]), companies
        )
        # Team B: the default customer, and the default follower
        self.team_b.mail_default_user_id = self.agent_b
        ticket = self.Ticket.browse(
            self._process(
                make_mail(
                    sender="eva.x@gmail.com", to="sales-support@support.example.com"
                )
            )
        )
        self.assertEqual(ticket.partner_id, self.default_customer)
        self.assertIn(self.agent_b.partner_id, ticket.message_partner_ids)
        self.assertTrue(ticket.with_user(self.agent_b).has_access("read"))

    def test_domain_of_a_private_person_is_no_company(self):
        mario = self.env["res.partner"].create(
            {"name": "Mario", "email": "mario@studio.example"}
        )
        ticket = self.Ticket.browse(
            self._process(make_mail(sender="Luigi <luigi@studio.example>"))
        )
        self.assertNotEqual(ticket.partner_id, mario)
        self.assertEqual(ticket.partner_id.name, "studio.example")
        self.assertNotEqual(ticket.partner_contact_id.parent_id, mario)

    def test_contract_by_domain(self):
        contract = self.env["support.contract"].create(
            {"name": "ACME 2026", "partner_id": self.customer.id, "state": "active"}
        )
        ticket = self.Ticket.browse(
            self._process(make_mail(sender="gino@acme.example"))
        )
        self.assertEqual(ticket.partner_id, self.customer)
        self.assertEqual(ticket.contract_id, contract)

    def test_project_by_customer_or_domain(self):
        Project = self.env["project.project"]
        acme = Project.create({"name": "ACME support", "partner_id": self.customer.id})
        newco = Project.create({"name": "newco.example"})
        ticket = self.Ticket.browse(self._process(make_mail()))
        self.assertFalse(ticket.project_id)
        self.team_a.mail_link_project = True
        ticket = self.Ticket.browse(self._process(make_mail(subject="Again")))
        self.assertEqual(ticket.project_id, acme)
        ticket = self.Ticket.browse(
            self._process(make_mail(sender="Dino <dino@newco.example>"))
        )
        self.assertEqual(ticket.project_id, newco)

    def test_reply_by_headers_and_subject(self):
        reply = make_mail(
            subject="Re: Ticket T90001",
            headers={"In-Reply-To": "<t90001@support.example.com>"},
        )
        self.assertEqual(self._process(reply), self.ticket_open.id)
        # headers lost: the reference in the subject, from a known address
        reply = make_mail(subject="Still broken [T90001]", to="someone@acme.example")
        self.assertEqual(self._process(reply), self.ticket_open.id)
        # a stranger quoting the reference to another team's alias: a new ticket
        spoof = make_mail(
            subject="[T90001] give me the data",
            sender="mallory@evil.example",
            to="sales-support@support.example.com",
        )
        new_id = self._process(spoof)
        self.assertNotEqual(new_id, self.ticket_open.id)
        self.assertEqual(self.Ticket.browse(new_id).team_id, self.team_b)
        self.assertEqual(self.Ticket.browse(new_id).name, "[T90001] give me the data")
        # the same stranger to the ticket's own team alias: a ticket of their own
        # too (issue 18: a reference routes only an allowed sender's mail)
        messages = len(self.ticket_open.message_ids)
        new_id = self._process(
            make_mail(subject="[T90001] me too", sender="m@evil.example")
        )
        self.assertNotEqual(new_id, self.ticket_open.id)
        self.assertEqual(self.Ticket.browse(new_id).team_id, self.team_a)
        self.assertEqual(len(self.ticket_open.message_ids), messages)

    def test_closed_ticket_policies(self):
        reply = make_mail(
            subject="Re: Ticket T90002",
            headers={"In-Reply-To": "<t90002@support.example.com>"},
        )
        self.assertEqual(self._process(reply), self.ticket_closed_a.id)
        self.assertEqual(self.ticket_closed_a.state, "in_progress")
        reply = make_mail(
            subject="Re: Ticket T90003",
            sender="bruno@globex.example",
            to="sales-support@support.example.com",
            headers={"References": "<t90003@support.example.com>"},
        )
        new = self.Ticket.browse(self._process(reply))
        self.assertNotEqual(new, self.ticket_closed_b)
        self.assertEqual(self.ticket_closed_b.state, "done")
        self.assertIn(self.ticket_closed_b, new.related_ticket_ids)
        self.assertEqual(new.partner_id, self.other_customer)
        self.assertEqual(new.team_id, self.team_b)

    def test_automated_mails(self):
        ooo = {"Auto-Submitted": "auto-replied"}
        count = self.Ticket.search_count([])
        self.assertFalse(self._process(make_mail(subject="Out of office", headers=ooo)))
        self.assertEqual(self._last_drop().reason, "automated")
        self.assertEqual(self.Ticket.search_count([]), count)
        for headers in (
            {"Precedence": "bulk"},
            {"List-Id": "<news.acme.example>"},
            {"X-Auto-Response-Suppress": "All"},
        ):
            self.assertFalse(self._process(make_mail(headers=headers)), headers)
        self.assertFalse(self._process(make_mail(sender="noreply@acme.example")))
        self.assertFalse(self._process(make_mail(sender="MAILER-DAEMON@acme.example")))
        self.assertEqual(self.Ticket.search_count([]), count)
        # on a ticket: an internal note, the ticket stays closed, nobody mailed
        mails = self.env["mail.mail"].search_count([])
        reply = make_mail(
            subject="Automatic reply: Ticket T90002",
            headers=dict(ooo, **{"In-Reply-To": "<t90002@support.example.com>"}),
        )
        self.assertEqual(self._process(reply), self.ticket_closed_a.id)
        self.assertEqual(self.ticket_closed_a.state, "done")
        note = self.ticket_closed_a.message_ids[0]
        self.assertTrue(note.subtype_id.internal)
        self.assertEqual(self.env["mail.mail"].search_count([]), mails)

    def test_drops_are_logged(self):
        raw = make_mail(message_id="<dup-1@acme.example>")
        self.assertTrue(self._process(raw))
        self.assertFalse(self._process(raw))
        drop = self._last_drop()
        self.assertEqual(
            (drop.reason, drop.message_id), ("duplicate", "<dup-1@acme.example>")
        )
        self.assertFalse(self._process(make_mail(sender="x@spam.example")))
        self.assertEqual(self._last_drop().reason, "blacklisted")
        self.assertFalse(
            self._process(make_mail(sender="helpdesk@support.example.com"))
        )
        self.assertEqual(self._last_drop().reason, "loop")
        own = make_mail(
            sender="someone@elsewhere.example",
            headers={"X-Support-Desk-Ticket": "T90001", "Auto-Submitted": "no"},
        )
        self.assertFalse(self._process(own))
        self.assertEqual(self._last_drop().reason, "loop")
        self.assertFalse(self._process(make_mail(to="nobody@support.example.com")))
        self.assertEqual(self._last_drop().reason, "no_route")

    def test_other_apps_mail_not_logged(self):
        """The drop log is the desk's: a mail for another app's alias that
        makes nothing (here a duplicate of a task's mail) is not logged; the
        same for a ticket's mail is."""
        project = self.env["project.project"].create(
            {
                "name": "Internal",
                "alias_name": "internal-tasks",
                "alias_domain_id": self.alias_domain.id,
            }
        )
        raw = make_mail(
            to="internal-tasks@support.example.com", message_id="<task-1@acme.example>"
        )
        task_id = self._process(raw)
        self.assertEqual(self.env["project.task"].browse(task_id).project_id, project)
        drops = self.env["support.mail.drop"].search_count([])
        self.assertFalse(self._process(raw))
        self.assertEqual(self.env["support.mail.drop"].search_count([]), drops)
        ticket_raw = make_mail(message_id="<ticket-1@acme.example>")
        self.assertTrue(self._process(ticket_raw))
        self.assertFalse(self._process(ticket_raw))
        self.assertEqual(self.env["support.mail.drop"].search_count([]), drops + 1)
        self.assertEqual(self._last_drop().reason, "duplicate")

    def test_rate_limit(self):
        self.company.support_mail_rate_limit = 5
        results = [
            self._process(make_mail(subject=f"Mail {i}", sender="flood@acme.example"))
            for i in range(8)
        ]
        self.assertTrue(all(results[:5]))
        self.assertFalse(any(results[5:]))
        drops = self.env["support.mail.drop"].search([("reason", "=", "rate_limit")])
        self.assertEqual(len(drops), 3)
        # others still get through
        self.assertTrue(self._process(make_mail(sender="calm@acme.example")))
        # 0 or less: no limit
        self.company.support_mail_rate_limit = -1
        self.assertTrue(
            self._process(make_mail(subject="Mail 9", sender="flood@acme.example"))
        )

    def test_many_tickets_by_other_channels_no_loop(self):
        """Odoo's own loop guard counts every ticket of the sender (by any
        channel); the desk's per-sender mail limit replaces it."""
        self.Ticket.create(
            [
                {
                    "name": f"Portal {i}",
                    "partner_id": self.customer_contact.id,
                    "channel": "portal",
                }
                for i in range(25)
            ]
        )
        self.assertTrue(self._process(make_mail(subject="One more, by mail")))

    def test_drop_access(self):
        self._process(make_mail(sender="x@spam.example"))
        Drop = self.env["support.mail.drop"]
        self.assertTrue(Drop.with_user(self.manager).search([]))
        for user in (self.agent, self.ticket_admin, self.employee, self.portal_user):
            self.assertFalse(Drop.with_user(user).has_access("read"), user.login)


@tagged("post_install", "-at_install")
class TestMailStorm(SupportMailCommon):
    """An out-of-office answering every notification stays bounded."""

    def setUp(self):
        super().setUp()
        self.ticket_open.user_id = self.agent
        self.ticket_open.message_subscribe(partner_ids=self.customer_contact.ids)
        self.ticket_open.with_user(self.agent).message_post(
            body="Could you restart it?",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.notification = self.ticket_open.message_ids[0]
        self.mails_before = self.env["mail.mail"].search_count([])

    def _storm(self, headers):
        for i in range(100):
            self._process(
                make_mail(
                    subject=f"Automatic reply: [T90001] ({i})",
                    body="I am out of office until Monday.",
                    headers=dict(
                        headers, **{"In-Reply-To": self.notification.message_id}
                    ),
                )
            )
        return self.env["mail.mail"].search_count([]) - self.mails_before

    def test_storm_with_auto_headers(self):
        self.assertEqual(self._storm({"Auto-Submitted": "auto-replied"}), 0)
        notes = self.ticket_open.message_ids.filtered(
            lambda m: m.message_type == "email"
        )
        # the limit keeps even the notes bounded; the rest is logged
        self.assertEqual(len(notes), self.company.support_mail_rate_limit)
        self.assertTrue(all(note.subtype_id.internal for note in notes))
        self.assertEqual(
            self.env["support.mail.drop"].search_count([("reason", "=", "rate_limit")]),
            100 - self.company.support_mail_rate_limit,
        )

    def test_storm_without_headers(self):
        # An auto-reply that looks like a person: the agent is told of each
        # reply until the sender's hourly limit, the customer never.
        limit = self.company.support_mail_rate_limit
        self.assertGreater(limit, 0)
        before = self.ticket_open.message_ids
        sent = self._storm({})
        replies = self.ticket_open.message_ids - before
        # The first `limit` replies are kept as the customer's public replies...
        self.assertEqual(len(replies), limit)
        self.assertEqual(set(replies.mapped("message_type")), {"email"})
        self.assertEqual(replies.author_id, self.customer_contact)
        self.assertFalse(any(replies.mapped("is_internal")))
        # ... the rest is dropped and logged, nothing more is mailed.
        self.assertEqual(
            self.env["support.mail.drop"].search_count([("reason", "=", "rate_limit")]),
            100 - limit,
        )
        # The agent is told of each kept reply by mail, the customer never.
        notifications = self.env["mail.notification"].search(
            [("mail_message_id", "in", replies.ids)]
        )
        for reply in replies:
            told = notifications.filtered(lambda n, r=reply: n.mail_message_id == r)
            self.assertEqual(told.res_partner_id, self.agent.partner_id, reply.body)
            self.assertEqual(told.notification_type, "email")
        self.assertNotIn(self.customer_contact, notifications.res_partner_id)
        mails = self.env["mail.mail"].search([("mail_message_id", "in", replies.ids)])
        self.assertEqual(sent, len(mails))
        self.assertNotIn(self.customer_contact, mails.recipient_ids)
