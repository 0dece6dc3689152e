import json

from lxml import etree
from markupsafe import Markup

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from odoo.addons.bus.models.bus import channel_with_db, json_dump

from .common import SupportDeskCommon


class WorkspaceCommon(SupportDeskCommon):
    def _schedule(self, ticket, kind, user=None):
        activity_type = self.env.ref(f"support_desk.mail_activity_type_ticket_{kind}")
        return ticket.with_user(user or self.agent).activity_schedule(
            activity_type_id=activity_type.id,
            summary=f"{kind} for the customer",
            user_id=(user or self.agent).id,
        )


@tagged("post_install", "-at_install")
class TestNextAction(WorkspaceCommon):
    def test_activity_types_shipped_for_tickets(self):
        expected = {
            "meeting": "meeting",
            "call": "phonecall",
            "task": "default",
            "document": "upload_file",
        }
        for kind, category in expected.items():
            activity_type = self.env.ref(
                f"support_desk.mail_activity_type_ticket_{kind}"
            )
            self.assertEqual(activity_type.res_model, "support.ticket")
            self.assertEqual(activity_type.category, category)

    def test_scheduling_moves_new_ticket_in_progress(self):
        for kind in ("meeting", "call", "task", "document"):
            with self.subTest(kind=kind):
                ticket = self._create_ticket(team_id=self.team_a.id)
                self.assertEqual(ticket.state, "new")
                self._schedule(ticket, kind)
                self.assertEqual(ticket.stage_id, self.stage_progress)
                self.assertEqual(
                    ticket.next_activity_id.activity_type_id,
                    self.env.ref(f"support_desk.mail_activity_type_ticket_{kind}"),
                )

    def test_scheduling_leaves_other_states_alone(self):
        for stage in (
            self.stage_in_charge,
            self.stage_hold,
            self.stage_done,
            self.stage_cancelled,
        ):
            with self.subTest(stage=stage.name):
                ticket = self._create_ticket(team_id=self.team_a.id, stage_id=stage.id)
                self._schedule(ticket, "call")
                self.assertEqual(ticket.stage_id, stage)

    def test_employee_reader_schedules_and_ticket_moves(self):
        # Posting (and so scheduling) needs only read access on tickets.
        ticket = self._create_ticket(opened_by_id=self.employee.id)
        self._schedule(ticket, "task", user=self.employee)
        self.assertEqual(ticket.stage_id, self.stage_progress)
        self.assertEqual(ticket.activity_ids.create_uid, self.employee)

    def test_calendar_meeting_moves_ticket(self):
        # A meeting booked from the calendar for the ticket plans an activity too.
        ticket = self._create_ticket(team_id=self.team_a.id)
        now = fields.Datetime.now()
        self.env["calendar.event"].with_user(self.agent).with_context(
            default_res_model="support.ticket", default_res_id=ticket.id
        ).create({"name": "On site visit", "start": now, "stop": now})
        self.assertEqual(ticket.stage_id, self.stage_progress)
        self.assertEqual(ticket.next_activity_category, "meeting")

    def test_appointment_opens_calendar_then_its_meeting(self):
        ticket = self._create_ticket(team_id=self.team_a.id)
        activity = self._schedule(ticket, "meeting")
        self.assertEqual(ticket.stage_id, self.stage_progress)
        action = ticket.with_user(self.agent).action_support_open_next_activity()
        self.assertEqual(action["res_model"], "calendar.event")
        self.assertEqual(action["context"]["default_res_id"], ticket.id)
        now = fields.Datetime.now()
        event = (
            self.env["calendar.event"]
            .with_user(self.agent)
            .with_context(**action["context"])
            .create({"name": "On site visit", "start": now, "stop": now})
        )
        self.assertEqual(activity.calendar_event_id, event)
        self.assertEqual(ticket.next_activity_id, activity)
        action = ticket.with_user(self.agent).action_support_open_next_activity()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("calendar.event", event.id)
        )

    def test_next_action_is_the_first_due(self):
        ticket = self._create_ticket(team_id=self.team_a.id)
        self.assertFalse(ticket.next_activity_id)
        with self.assertRaises(UserError) as err:
            ticket.action_support_open_next_activity()
        self.assertIn("No action is planned", str(err.exception))
        today = fields.Date.today()
        task_type = self.env.ref("support_desk.mail_activity_type_ticket_task")
        call_type = self.env.ref("support_desk.mail_activity_type_ticket_call")
        ticket.activity_schedule(
            activity_type_id=task_type.id,
            date_deadline=fields.Date.add(today, days=5),
            user_id=self.agent.id,
        )
        call = ticket.activity_schedule(
            activity_type_id=call_type.id, date_deadline=today, user_id=self.agent.id
        )
        self.assertEqual(ticket.next_activity_id, call)
        action = ticket.action_support_open_next_activity()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("mail.activity", call.id)
        )
        ticket.with_user(self.agent).action_support_next_activity_done()
        self.assertFalse(call.exists())
        self.assertEqual(ticket.next_activity_id.activity_type_id, task_type)

    def test_schedule_button_opens_scheduler_with_type(self):
        ticket = self._create_ticket(team_id=self.team_a.id)
        action = ticket.with_context(
            support_activity_kind="call"
        ).action_support_schedule_activity()
        scheduler = (
            self.env[action["res_model"]]
            .with_user(self.agent)
            .with_context(**action["context"])
            .create({"summary": "Call back"})
        )
        self.assertEqual(
            scheduler.activity_type_id,
            self.env.ref("support_desk.mail_activity_type_ticket_call"),
        )
        scheduler.action_schedule_activities()
        self.assertEqual(ticket.activity_ids.summary, "Call back")
        # The kind comes from the caller's context: anything else is refused.
        for kind in ("fax", "call.x", ""):
            with self.assertRaisesRegex(UserError, "Unknown kind of action"):
                ticket.with_context(
                    support_activity_kind=kind
                ).action_support_schedule_activity()
        self.assertEqual(ticket.state, "in_progress")


@tagged("post_install", "-at_install")
class TestReplyBox(WorkspaceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket_admin.write(
            {
                "support_assign_team_ids": [Command.set(cls.team_a.ids)],
                "support_assign_user_ids": [Command.set(cls.employee.ids)],
            }
        )
        cls.ticket = cls._create_ticket(
            team_id=cls.team_a.id, partner_contact_id=cls.customer_contact.id
        )
        cls.ticket.message_subscribe(partner_ids=cls.customer_contact.ids)

    def _reply(self, user, **vals):
        vals.setdefault("body", "<p>We are on it.</p>")
        return (
            self.env["support.ticket.reply"]
            .with_user(user)
            .with_context(default_ticket_id=self.ticket.id)
            .create(vals)
        )

    def test_public_reply_with_recipients_attachment_and_state(self):
        attachment = (
            self.env["ir.attachment"]
            .with_user(self.agent)
            .create(
                {
                    "name": "report.txt",
                    "raw": b"log",
                    "res_model": "support.ticket.reply",
                    "res_id": 0,
                }
            )
        )
        wizard = self._reply(
            self.agent,
            partner_ids=[Command.link(self.other_contact.id)],
            attachment_ids=[Command.link(attachment.id)],
            new_state="in_progress",
        )
        wizard.action_send()
        message = self.ticket.message_ids.filtered(
            lambda m: m.body and "on it" in m.body
        )
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.agent.partner_id)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertEqual(message.support_message_kind, "public")
        self.assertEqual(message.support_ticket_state, "in_progress")
        self.assertIn(self.other_contact, message.partner_ids)
        self.assertEqual(message.attachment_ids, attachment)
        self.assertEqual(
            (attachment.res_model, attachment.res_id),
            ("support.ticket", self.ticket.id),
        )
        self.assertEqual(self.ticket.stage_id, self.stage_progress)
        self.assertIn(message, self.ticket.support_message_ids)

    def test_internal_note_keeps_state_and_kind(self):
        self._reply(
            self.agent, kind="internal", body="<p>Check the logs</p>"
        ).action_send()
        note = self.ticket.message_ids[0]
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(note.support_message_kind, "internal")
        self.assertEqual(note.support_ticket_state, "new")
        self.ticket.stage_id = self.stage_hold
        self.assertEqual(note.support_ticket_state, "new", "kept as it was")

    def test_internal_note_never_reaches_customers(self):
        wizard = self._reply(
            self.agent,
            kind="internal",
            partner_ids=[Command.link(self.customer_contact.id)],
        )
        with self.assertRaises(UserError) as err:
            wizard.action_send()
        self.assertIn("Anna Rossi", str(err.exception))
        self._reply(
            self.agent,
            kind="internal",
            partner_ids=[Command.link(self.agent_b.partner_id.id)],
        ).action_send()
        self.assertEqual(
            self.ticket.message_ids[0].partner_ids, self.agent_b.partner_id
        )

    def test_pause_sla_and_close_in_one_step(self):
        self._reply(self.agent, pause_sla=True).action_send()
        self.assertTrue(self.ticket.sla_paused_until_reply)
        self._reply(self.agent, new_state="done", body="<p>Fixed.</p>").action_send()
        self.assertEqual(self.ticket.stage_id, self.stage_done)
        self.assertEqual(self.ticket.message_ids[0].support_ticket_state, "done")

    def test_cancel_picks_first_cancelled_stage(self):
        self._reply(self.agent, new_state="cancelled").action_send()
        self.assertEqual(self.ticket.stage_id, self.stage_cancelled)

    def test_pause_with_closing_is_refused(self):
        wizard = self._reply(self.agent, pause_sla=True, new_state="done")
        with self.assertRaises(UserError) as err:
            wizard.action_send()
        self.assertIn("cannot be paused", str(err.exception))
        self.assertEqual(self.ticket.state, "new")

    def test_empty_reply_is_refused(self):
        wizard = self._reply(self.agent, body="<p><br></p>")
        with self.assertRaises(UserError) as err:
            wizard.action_send()
        self.assertIn("Write a message", str(err.exception))

    def test_reassign_follows_assignment_rules(self):
        wizard = self._reply(self.agent, user_id=self.agent.id)
        self.assertFalse(wizard.can_assign)
        with self.assertRaises(AccessError) as err:
            wizard.action_send()
        self.assertIn("Only ticket administrators", str(err.exception))
        self.assertFalse(self.ticket.user_id)
        wizard = self._reply(self.ticket_admin, user_id=self.agent_b.id)
        with self.assertRaises(AccessError):
            wizard.action_send()
        wizard = self._reply(self.ticket_admin, user_id=self.employee.id)
        self.assertIn(self.employee, wizard.allowed_assign_user_ids)
        wizard.action_send()
        self.assertEqual(self.ticket.user_id, self.employee)

    def test_quote_message(self):
        customer_msg = self.ticket.message_post(
            body=Markup("<p>It still &lt;fails&gt;</p>"),
            author_id=self.customer_contact.id,
            message_type="email",
            subtype_xmlid="mail.mt_comment",
        )
        self.ticket.message_post(body="<p>Internal</p>", subtype_xmlid="mail.mt_note")
        action = customer_msg.with_user(self.agent).action_support_quote()
        self.assertEqual(action["res_model"], "support.ticket.reply")
        with Form(
            self.env["support.ticket.reply"]
            .with_user(self.agent)
            .with_context(**action["context"])
        ) as form:
            self.assertIn("<blockquote", form.body)
            self.assertIn("It still &lt;fails&gt;", form.body)
            self.assertIn("Anna Rossi wrote", form.body)
        wizard = self._reply(self.agent, body=False)
        wizard.action_quote_last_customer_message()
        self.assertEqual(wizard.quote_message_id, customer_msg)
        self.assertIn("<blockquote", wizard.body)

    def test_quote_without_customer_message(self):
        wizard = self._reply(self.agent)
        with self.assertRaises(UserError) as err:
            wizard.action_quote_last_customer_message()
        self.assertIn("has not written yet", str(err.exception))


@tagged("post_install", "-at_install")
class TestSystrayReminder(WorkspaceCommon):
    def _bus_counts(self, user):
        """Ticket-count notifications sent to the user in this transaction."""
        self.env.cr.precommit.run()
        channel = json_dump(channel_with_db(self.env.cr.dbname, user.partner_id))
        notifs = self.env["bus.bus"].sudo().search([("channel", "=", channel)])
        return [
            message["payload"]
            for message in map(json.loads, notifs.mapped("message"))
            if message["type"] == "support_desk.ticket_count"
        ]

    def _counts(self, user):
        return self.env["support.ticket"].with_user(user).get_systray_counts()

    def test_counts_assigned_and_in_charge(self):
        self.assertEqual(
            self._counts(self.agent), {"assigned": 0, "in_charge": 0, "total": 0}
        )
        self._create_ticket(team_id=self.team_a.id, user_id=self.agent.id)
        both = self._create_ticket(team_id=self.team_a.id, user_id=self.agent.id)
        both.with_user(self.agent).action_take_in_charge()
        other = self._create_ticket(team_id=self.team_a.id)
        other.with_user(self.agent).action_take_in_charge()
        self._create_ticket(
            team_id=self.team_a.id, user_id=self.agent.id, stage_id=self.stage_done.id
        )
        self.assertEqual(
            self._counts(self.agent), {"assigned": 2, "in_charge": 2, "total": 3}
        )

    def test_unreadable_ticket_never_counts(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        hidden = self._create_ticket(company_id=other_company.id)
        hidden.sudo().write(
            {"user_id": self.agent.id, "in_charge_user_id": self.agent.id}
        )
        self.assertFalse(hidden.with_user(self.agent).has_access("read"))
        self.assertEqual(self._counts(self.agent)["total"], 0)
        self.assertEqual(self._bus_counts(self.agent)[-1]["total"], 0)
        # Give the company: the ticket becomes readable and counts.
        self.agent.company_ids = [Command.link(other_company.id)]
        self.assertEqual(
            self.env["support.ticket"]
            .with_user(self.agent)
            .with_context(allowed_company_ids=(self.company | other_company).ids)
            .get_systray_counts()["total"],
            1,
        )

    def test_one_notification_per_user_and_transaction(self):
        self._bus_counts(self.agent)  # flush what setup sent
        self.env["bus.bus"].sudo().search([]).unlink()
        tickets = self._create_ticket(team_id=self.team_a.id) | self._create_ticket(
            team_id=self.team_a.id
        )
        tickets.sudo().user_id = self.agent
        tickets[0].sudo().in_charge_user_id = self.agent
        tickets[1].sudo().in_charge_user_id = self.agent_b
        self.assertEqual(
            self._bus_counts(self.agent), [{"assigned": 2, "in_charge": 1, "total": 2}]
        )
        self.assertEqual(
            self._bus_counts(self.agent_b),
            [{"assigned": 0, "in_charge": 1, "total": 1}],
        )
        # Unassigning tells the former assignee too; unrelated changes say nothing.
        tickets.sudo().user_id = self.agent_b
        self.assertEqual(self._bus_counts(self.agent)[-1]["assigned"], 0)
        self.env["bus.bus"].sudo().search([]).unlink()
        tickets.sudo().name = "Renamed"
        self.assertEqual(self._bus_counts(self.agent), [])

    def test_closing_updates_count(self):
        ticket = self._create_ticket(team_id=self.team_a.id, user_id=self.agent.id)
        self._bus_counts(self.agent)
        ticket.stage_id = self.stage_done
        self.assertEqual(self._bus_counts(self.agent)[-1]["total"], 0)

    def test_counts_use_two_queries(self):
        for _i in range(5):
            self._create_ticket(team_id=self.team_a.id, user_id=self.agent.id)
        Ticket = self.env["support.ticket"].with_user(self.agent)
        Ticket.get_systray_counts()  # warm caches (rules, groups)
        # One grouped count, plus the ids the user follows or got shared that
        # the record rules read first (so that they stay index scans).
        with self.assertQueryCount(2):
            Ticket.get_systray_counts()
        for _i in range(5):
            self._create_ticket(team_id=self.team_a.id, user_id=self.agent.id)
        with self.assertQueryCount(2):
            Ticket.get_systray_counts()


@tagged("post_install", "-at_install")
class TestUnreadMarks(WorkspaceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(
            team_id=cls.team_a.id,
            user_id=cls.agent.id,
            partner_contact_id=cls.customer_contact.id,
        )
        cls.ticket.in_charge_user_id = cls.ticket_admin

    def _unread(self, user, ticket=None):
        return (ticket or self.ticket).with_user(user).is_unread

    def test_customer_reply_marks_assignee_and_in_charge(self):
        self.assertFalse(self._unread(self.agent))
        self.ticket.message_post(
            body="Any news?",
            author_id=self.customer_contact.id,
            message_type="email",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertTrue(self._unread(self.agent))
        self.assertTrue(self._unread(self.ticket_admin))
        self.assertFalse(self._unread(self.agent_b))
        self.assertFalse(self._unread(self.manager))

    def test_note_does_not_mark_its_author(self):
        self.ticket.with_user(self.agent).message_post(
            body="Looking", subtype_xmlid="mail.mt_note", message_type="comment"
        )
        self.assertFalse(self._unread(self.agent))
        self.assertTrue(self._unread(self.ticket_admin))

    def test_tracking_and_notifications_do_not_mark(self):
        self.ticket.stage_id = self.stage_progress
        self.ticket.message_post(body="auto", message_type="notification")
        self.assertFalse(self._unread(self.agent))

    def test_reading_clears_only_the_reader(self):
        self.ticket.message_post(
            body="Any news?",
            author_id=self.customer_contact.id,
            message_type="email",
        )
        self.ticket.message_post(
            body="Again", author_id=self.customer_contact.id, message_type="email"
        )
        self.ticket.with_user(self.agent).action_support_mark_read()
        self.assertFalse(self._unread(self.agent))
        self.assertTrue(self._unread(self.ticket_admin))

    def test_unread_filter(self):
        quiet = self._create_ticket(team_id=self.team_a.id, user_id=self.agent.id)
        self.ticket.message_post(
            body="News", author_id=self.customer_contact.id, message_type="email"
        )
        Ticket = self.env["support.ticket"].with_user(self.agent)
        unread = Ticket.search([("is_unread", "=", True)])
        self.assertEqual(unread, self.ticket)
        read = Ticket.search([("is_unread", "=", False)])
        self.assertIn(quiet, read)
        self.assertNotIn(self.ticket, read)
        self.assertFalse(
            self.env["support.ticket"]
            .with_user(self.agent_b)
            .search([("is_unread", "=", True)])
        )
        with self.assertRaises(UserError):
            Ticket.search([("is_unread", "in", [True])])

    def test_marks_are_private(self):
        self.ticket.message_post(
            body="News", author_id=self.customer_contact.id, message_type="email"
        )
        marks = self.env["support.ticket.unread"].with_user(self.agent).search([])
        self.assertEqual(marks.user_id, self.agent)
        with self.assertRaises(AccessError):
            self.env["support.ticket.unread"].with_user(self.agent).create(
                {"ticket_id": self.ticket.id, "user_id": self.agent_b.id}
            )

    def test_reader_without_access_cannot_clear(self):
        with self.assertRaises(AccessError):
            self.ticket.with_user(self.agent_b).action_support_mark_read()

    def test_unread_compute_batched(self):
        tickets = self.ticket
        for _i in range(4):
            ticket = self._create_ticket(team_id=self.team_a.id, user_id=self.agent.id)
            ticket.message_post(
                body="News", author_id=self.customer_contact.id, message_type="email"
            )
            tickets |= ticket
        tickets = tickets.with_user(self.agent)
        tickets.invalidate_recordset(["is_unread"])
        # The user's groups are read once per request for the fields that
        # carry groups: not part of the compute.
        tickets.env.user.has_group("base.group_user")
        with self.assertQueryCount(1):
            values = tickets.mapped("is_unread")
        self.assertEqual(values, [False, True, True, True, True])


@tagged("post_install", "-at_install")
class TestSearchPanel(WorkspaceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.priorities = cls.env["support.priority"].search([], order="sequence, id")
        cls.low, cls.high = cls.priorities[0], cls.priorities[-1]
        for priority, team, count in (
            (cls.low, cls.team_a, 2),
            (cls.high, cls.team_a, 1),
            (cls.high, cls.team_b, 3),
        ):
            for _n in range(count):
                cls._create_ticket(priority_id=priority.id, team_id=team.id)
        cls.closed = cls._create_ticket(priority_id=cls.low.id, team_id=cls.team_a.id)
        cls.closed.stage_id = cls.stage_done
        # the demo data has tickets of its own: count only this test's teams
        cls.open_domain = [
            ("state", "in", ("new", "in_progress", "on_hold")),
            ("team_id", "in", (cls.team_a | cls.team_b).ids),
        ]

    def _panel(self, user, field, **kwargs):
        Ticket = self.env["support.ticket"].with_user(user)
        values = Ticket.search_panel_select_range(
            field, search_domain=self.open_domain, enable_counters=True, **kwargs
        )["values"]
        return [
            (value["id"], value["display_name"], value["__count"]) for value in values
        ]

    def test_priority_counters_in_priority_order(self):
        self.assertEqual(
            self._panel(self.manager, "priority_id"),
            [
                (self.low.id, self.low.display_name, 2),
                (self.high.id, self.high.display_name, 4),
            ],
        )

    def test_counters_follow_record_rules(self):
        # Agent A sees Team A's tickets only: Team B's three never count.
        self.assertEqual(
            self._panel(self.agent, "priority_id"),
            [
                (self.low.id, self.low.display_name, 2),
                (self.high.id, self.high.display_name, 1),
            ],
        )
        self.assertEqual(
            self._panel(self.agent, "team_id"),
            [(self.team_a.id, "Team A", 3)],
        )

    def test_selection_counters_with_labels(self):
        values = self._panel(self.manager, "state")
        labels = dict(
            self.env["support.ticket"]._fields["state"]._description_selection(self.env)
        )
        self.assertIn(("new", labels["new"], 6), values)
        self.assertNotIn("done", [value[0] for value in values])

    def test_limit_keeps_the_first_values(self):
        Ticket = self.env["support.ticket"].with_user(self.manager)
        image = Ticket._search_panel_domain_image(
            "priority_id", self.open_domain, set_count=True, limit=1
        )
        self.assertEqual(list(image), [self.low.id])
        self.assertEqual(image[self.low.id]["__count"], 2)

    def test_view_counts_only_priority_and_state(self):
        arch = self.env["support.ticket"].get_views([(False, "search")])["views"][
            "search"
        ]["arch"]
        counted = {
            node.get("name")
            for node in etree.fromstring(arch).iterfind(".//searchpanel/field")
            if node.get("enable_counters") == "1"
        }
        self.assertEqual(counted, {"priority_id", "state_display"})
