from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .. import uninstall_hook
from .common import SupportDeskCommon


@tagged("post_install", "-at_install")
class TestTicket(SupportDeskCommon):
    def test_number_from_sequence(self):
        tickets = self.env["support.ticket"].create(
            [{"name": f"Ticket {i}", "partner_id": self.customer.id} for i in range(3)]
        )
        numbers = tickets.mapped("number")
        self.assertEqual(len(set(numbers)), 3, "each ticket gets its own number")
        for number in numbers:
            self.assertRegex(number, r"^T\d{5,}$")
        self.assertEqual(tickets[0].display_name, f"[{numbers[0]}] Ticket 0")
        found = self.env["support.ticket"].name_search(numbers[1])
        self.assertEqual([r[0] for r in found], [tickets[1].id])

    def test_number_from_the_company_sequence(self):
        """A company's own ticket sequence numbers its tickets, from the moment
        it exists (the sequence read by every ticket is cached)."""
        other = self.env["res.company"].create({"name": "Other Co"})
        Ticket = self.env["support.ticket"]
        self.assertRegex(
            Ticket.with_company(other).create({"name": "A"}).number, r"^T\d+$"
        )
        own = self.env["ir.sequence"].create(
            {"name": "Other's tickets", "code": "support.ticket", "prefix": "OT",
             "padding": 3, "company_id": other.id}
        )  # fmt: skip
        self.assertEqual(
            Ticket.with_company(other).create({"name": "B"}).number, "OT001"
        )
        self.assertRegex(Ticket.create({"name": "C"}).number, r"^T\d+$")
        own.active = False
        self.assertRegex(
            Ticket.with_company(other).create({"name": "D"}).number, r"^T\d+$"
        )

    def test_number_unique(self):
        first, second = self._create_ticket(), self._create_ticket()
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            second.number = first.number
            second.flush_recordset()

    def test_number_not_copied(self):
        ticket = self._create_ticket()
        copy = ticket.copy()
        self.assertNotEqual(copy.number, ticket.number)
        self.assertEqual(copy.name, f"{ticket.name} (copy)")

    def test_agent_copies_a_mail_ticket(self):
        """The desk's own fields are not the copier's to set: they start afresh."""
        server = self.env["ir.mail_server"].create(
            {"name": "Desk", "smtp_host": "localhost"}
        )
        ticket = self._create_ticket(
            team_id=self.team_a.id, channel="email", mail_server_id=server.id
        )
        copy = ticket.with_user(self.agent).copy()
        self.assertEqual(copy.channel, "manual")
        self.assertEqual(copy.opened_by_id, self.agent)
        self.assertFalse(copy.mail_server_id)
        self.assertEqual(copy.partner_id, ticket.partner_id)

    def test_defaults(self):
        ticket = (
            self.env["support.ticket"]
            .with_user(self.agent)
            .create({"name": "Defaults", "team_id": self.team_a.id})
        )
        self.assertEqual(ticket.stage_id, self.stage_new)
        self.assertEqual(ticket.state, "new")
        self.assertEqual(ticket.opened_by_id, self.agent)
        self.assertEqual(ticket.channel, "manual")
        self.assertEqual(
            ticket.priority_id, self.env.ref("support_desk.support_priority_medium")
        )
        self.assertEqual(ticket.company_id, self.company)

    def test_default_stage_follows_the_stages(self):
        """The first stage is cached for the server: changing the stages (or
        being in another company) must still give the right one."""
        Stage = self.env["support.stage"]
        self.assertEqual(self._create_ticket().stage_id, self.stage_new)
        first = Stage.create({"name": "Triage", "state": "new", "sequence": -1})
        self.assertEqual(self._create_ticket().stage_id, first)
        first.active = False
        self.assertEqual(self._create_ticket().stage_id, self.stage_new)
        other_company = self.env["res.company"].create({"name": "Other Co"})
        own = Stage.create(
            {
                "name": "Other's new",
                "state": "new",
                "sequence": -2,
                "company_id": other_company.id,
            }
        )
        # as the stages' company rule: the companies the user works in
        Ticket = self.env["support.ticket"]
        self.assertEqual(
            Ticket.with_company(self.company)._default_stage_id(), self.stage_new
        )
        self.assertEqual(Ticket.with_company(other_company)._default_stage_id(), own)

    def test_state_follows_stage(self):
        ticket = self._create_ticket()
        ticket.stage_id = self.stage_hold
        self.assertEqual(ticket.state, "on_hold")
        self.assertFalse(ticket.date_closed)
        ticket.stage_id = self.stage_done
        self.assertEqual(ticket.state, "done")
        self.assertTrue(ticket.date_closed)
        ticket.stage_id = self.stage_progress
        self.assertEqual(ticket.state, "in_progress")
        self.assertFalse(ticket.date_closed, "reopening clears the closing date")
        # The state is stored: changing what a stage means updates its tickets.
        self.stage_progress.state = "on_hold"
        self.assertEqual(ticket.state, "on_hold")
        self.assertEqual(
            self.env["support.ticket"].search(
                [("id", "=", ticket.id), ("state", "=", "on_hold")]
            ),
            ticket,
        )

    def test_take_in_charge(self):
        ticket = self._create_ticket(
            team_id=self.team_a.id, user_id=self.ticket_admin.id
        )
        ticket.with_user(self.agent).action_take_in_charge()
        self.assertEqual(ticket.in_charge_user_id, self.agent)
        self.assertEqual(ticket.user_id, self.ticket_admin, "assignment is left alone")
        self.assertEqual(ticket.stage_id, self.stage_in_charge)
        # Taking it again is harmless.
        ticket.with_user(self.agent).action_take_in_charge()
        self.assertEqual(ticket.in_charge_user_id, self.agent)

    def test_take_in_charge_keeps_later_stage(self):
        ticket = self._create_ticket(
            team_id=self.team_a.id, stage_id=self.stage_hold.id
        )
        ticket.with_user(self.agent).action_take_in_charge()
        self.assertEqual(ticket.stage_id, self.stage_hold)
        self.assertEqual(ticket.in_charge_user_id, self.agent)

    def test_take_in_charge_already_taken(self):
        # Without a team, the ticket is open to every agent.
        ticket = self._create_ticket()
        ticket.with_user(self.agent).action_take_in_charge()
        with self.assertRaisesRegex(UserError, "already in charge of Agent A"):
            ticket.with_user(self.agent_b).action_take_in_charge()
        self.assertEqual(ticket.in_charge_user_id, self.agent)
        ticket.with_user(self.agent).action_release_charge()
        self.assertFalse(ticket.in_charge_user_id)
        ticket.with_user(self.agent_b).action_take_in_charge()
        self.assertEqual(ticket.in_charge_user_id, self.agent_b)

    def test_take_in_charge_needs_agent(self):
        ticket = self._create_ticket(opened_by_id=self.employee.id)
        with self.assertRaises(AccessError):
            ticket.with_user(self.employee).action_take_in_charge()
        self.assertFalse(ticket.in_charge_user_id)

    def test_expired(self):
        now = fields.Datetime.now()
        past = now - timedelta(days=2)
        future = now + timedelta(days=2)
        open_late = self._create_ticket(date_deadline=past)
        closed_late = self._create_ticket(
            date_deadline=past, stage_id=self.stage_done.id
        )
        cancelled_late = self._create_ticket(
            date_deadline=past, stage_id=self.stage_cancelled.id
        )
        in_time = self._create_ticket(date_deadline=future)
        no_deadline = self._create_ticket()
        all_tickets = open_late | closed_late | cancelled_late | in_time | no_deadline
        self.assertEqual(all_tickets.filtered("is_expired"), open_late)
        Ticket = self.env["support.ticket"]
        scope = [("id", "in", all_tickets.ids)]
        self.assertEqual(Ticket.search(scope + [("is_expired", "=", True)]), open_late)
        self.assertEqual(
            Ticket.search(scope + [("is_expired", "!=", False)]), open_late
        )
        self.assertEqual(
            Ticket.search(scope + [("is_expired", "=", False)]), all_tickets - open_late
        )
        self.assertEqual(
            Ticket.search(scope + [("is_expired", "!=", True)]), all_tickets - open_late
        )
        with self.assertRaises(UserError):
            Ticket.search([("is_expired", "in", [True])])

    def test_contact_must_belong_to_account(self):
        with self.assertRaisesRegex(ValidationError, "does not belong"):
            self._create_ticket(partner_contact_id=self.other_contact.id)
        ticket = self._create_ticket(partner_contact_id=self.customer_contact.id)
        with self.assertRaisesRegex(ValidationError, "does not belong"):
            ticket.final_partner_id = self.customer
            ticket.final_contact_id = self.other_contact
            ticket.flush_recordset()

    def test_person_as_account_becomes_contact(self):
        ticket = self._create_ticket(partner_id=self.customer_contact.id)
        self.assertEqual(ticket.partner_id, self.customer)
        self.assertEqual(ticket.partner_contact_id, self.customer_contact)
        self.assertEqual(ticket.email_from, "anna@acme.example")
        ticket = self.env["support.ticket"].create(
            {"name": "Contact only", "final_contact_id": self.other_contact.id}
        )
        self.assertEqual(ticket.final_partner_id, self.other_customer)

    def test_onchange_partner(self):
        ticket = self.env["support.ticket"].new({"name": "x"})
        ticket.partner_id = self.customer_contact
        ticket._onchange_partner_id()
        self.assertEqual(ticket.partner_id, self.customer)
        self.assertEqual(ticket.partner_contact_id, self.customer_contact)
        ticket.partner_id = self.other_customer
        ticket._onchange_partner_id()
        self.assertFalse(
            ticket.partner_contact_id, "a contact of another company is dropped"
        )

    def test_extra_notify_emails(self):
        ticket = self._create_ticket(
            extra_notify_emails="a@example.com, b@example.org;c@x.it"
        )
        self.assertEqual(
            ticket._split_emails(ticket.extra_notify_emails),
            ["a@example.com", "b@example.org", "c@x.it"],
        )
        for bad in ("not-an-email", "a@example.com, foo@", "<script>@x"):
            with (
                self.subTest(bad=bad),
                self.assertRaisesRegex(ValidationError, "not valid"),
            ):
                ticket.extra_notify_emails = bad
                ticket.flush_recordset()

    def test_deadline_before_planned_start(self):
        now = fields.Datetime.now()
        with self.assertRaisesRegex(ValidationError, "deadline cannot be earlier"):
            self._create_ticket(
                date_planned_start=now, date_deadline=now - timedelta(hours=1)
            )
        ticket = self._create_ticket(date_planned_start=now, date_deadline=now)
        self.assertEqual(ticket.date_deadline, now)

    def test_related_tickets_symmetric(self):
        first, second, third = (self._create_ticket(name=n) for n in ("1", "2", "3"))
        first.related_ticket_ids = second | third
        self.assertEqual(second.related_ticket_ids, first)
        self.assertEqual(third.related_ticket_ids, first)
        second.related_ticket_ids = False
        self.assertEqual(first.related_ticket_ids, third)
        fourth = self._create_ticket(related_ticket_ids=[(6, 0, third.ids)])
        self.assertEqual(third.related_ticket_ids, first | fourth)

    def test_related_tickets_domain(self):
        """Related tickets are offered among those of the same account / final
        customer; "Any Customer" (or no customer) offers them all."""
        Ticket = self.env["support.ticket"].with_user(self.manager)
        third = self.env["res.partner"].create({"name": "Initech", "is_company": True})
        mine = self._create_ticket(name="Mine")
        as_final = self._create_ticket(
            name="Resold", partner_id=third.id, final_partner_id=self.customer.id
        )
        theirs = self._create_ticket(name="Theirs", partner_id=self.other_customer.id)
        loose = self._create_ticket(name="Loose", partner_id=False)
        # The domain the form's field evaluates, as the client gets it.
        domain = Ticket.fields_get(["related_ticket_ids"])["related_ticket_ids"][
            "domain"
        ]

        def offered(ticket, search_all=False, **values):
            record = {
                "id": ticket.id,
                "partner_id": ticket.partner_id.id,
                "final_partner_id": ticket.final_partner_id.id,
                "related_search_all": search_all,
                **values,
            }
            candidates = Ticket.search(safe_eval(domain, record))
            return candidates & (mine | as_final | theirs | loose)

        self.assertEqual(offered(mine), as_final)
        self.assertEqual(offered(as_final), mine)
        self.assertEqual(offered(theirs), self.env["support.ticket"])
        self.assertEqual(offered(theirs, search_all=True), mine | as_final | loose)
        self.assertEqual(offered(loose), mine | as_final | theirs)
        # A new ticket (no id yet) of the final customer Initech's reseller.
        self.assertEqual(offered(loose, id=False, partner_id=third.id), as_final)
        # The toggle is in the form, for employees only.
        arch = Ticket.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="related_search_all"', arch)
        self.assertIn("related_search_all", Ticket.fields_get())
        portal_fields = Ticket.with_user(self.portal_user).fields_get()
        self.assertNotIn("related_search_all", portal_fields)

    def test_type_routes_to_team(self):
        ticket_type = self.env["support.ticket.type"].create(
            {"name": "Routed", "team_id": self.team_b.id}
        )
        ticket = self._create_ticket(team_id=self.team_a.id, type_id=ticket_type.id)
        self.assertEqual(ticket.team_id, self.team_b)

    def test_team_defaults(self):
        urgent = self.env.ref("support_desk.support_priority_urgent")
        billing = self.env.ref("support_desk.support_ticket_type_billing")
        self.team_a.write(
            {"default_priority_id": urgent.id, "default_type_id": billing.id}
        )
        ticket = self._create_ticket(team_id=self.team_a.id)
        self.assertEqual(ticket.priority_id, urgent)
        self.assertEqual(ticket.type_id, billing)

    def test_last_reply_date(self):
        ticket = self._create_ticket()
        ticket.message_post(body="Internal", subtype_xmlid="mail.mt_note")
        self.assertFalse(ticket.last_reply_date)
        ticket.message_post(
            body="Public", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertTrue(ticket.last_reply_date)

    def test_team_open_ticket_count(self):
        self._create_ticket(team_id=self.team_a.id)
        self._create_ticket(team_id=self.team_a.id, stage_id=self.stage_done.id)
        self.assertEqual(self.team_a.overview_open_count, 1)
        action = self.team_a.action_view_open_tickets()
        self.assertEqual(action["domain"], [("team_id", "=", self.team_a.id)])

    def test_indexes_and_uninstall_hook(self):
        """The indexes the rules and lists rely on exist; the one we add to
        Odoo's followers table goes away on uninstall."""

        def indexes():
            self.env.cr.execute(
                "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'support_%%'"
            )
            return {row[0] for row in self.env.cr.fetchall()}

        expected = {
            "support_ticket_open_order_idx",
            "support_ticket_open_cover_idx",
            "support_ticket_partner_idx",
            "support_ticket_partner_contact_idx",
            "support_ticket_user_idx",
            "support_ticket_in_charge_user_idx",
            "support_ticket_opened_by_idx",
            "support_ticket_mail_followers_partner_idx",
            "support_ticket_expiry_due_idx",
        }
        self.assertLessEqual(expected, indexes())
        # replaced by the ones above (the same column, then the id)
        replaced = {
            f"support_ticket__{column}_index"
            for column in (
                "partner_id",
                "partner_contact_id",
                "user_id",
                "in_charge_user_id",
                "opened_by_id",
            )
        }
        self.assertFalse(replaced & indexes())
        # the ticket number is searched through its unique constraint's index
        self.assertIn("support_ticket_number_uniq", indexes())
        self.assertNotIn("support_ticket__number_index", indexes())
        uninstall_hook(self.env)
        self.assertNotIn("support_ticket_mail_followers_partner_idx", indexes())
