from datetime import datetime, timedelta

from odoo.tests import tagged

from .common import SupportDeskCommon


@tagged("post_install", "-at_install")
class TestTicketCalendar(SupportDeskCommon):
    """Calendar views of the chosen date, and tickets in the assignee's calendar."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deadline = datetime(2030, 3, 4, 10, 0)
        cls.planned = datetime(2030, 3, 2, 9, 0)
        cls.company.support_calendar_date_field = "date_deadline"

    def _sync(self):
        """The sync runs before the commit, once per transaction."""
        self.env.cr.precommit.run()

    def _assigned_ticket(self, **vals):
        vals.setdefault("user_id", self.agent.id)
        vals.setdefault("date_deadline", self.deadline)
        ticket = self._create_ticket(**vals)
        self._sync()
        return ticket

    # Views and action

    def test_action_uses_chosen_calendar(self):
        Action = self.env["ir.actions.act_window"]
        for value, suffix in (
            ("date_planned_start", "planned"),
            ("date_deadline", "deadline"),
            ("sla_deadline", "sla"),
        ):
            self.company.support_calendar_date_field = value
            view = self.env.ref(f"support_desk.support_ticket_view_calendar_{suffix}")
            for xmlid in (
                "support_desk.support_ticket_action",
                "support_desk.support_ticket_action_assigned_to_me",
            ):
                views = dict(
                    (mode, view_id)
                    for view_id, mode in Action._for_xml_id(xmlid)["views"]
                )
                self.assertEqual(views["calendar"], view.id, (value, xmlid))
                self.assertFalse(views["list"], "other views are left alone")

    def test_other_actions_untouched(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "calendar.action_calendar_event"
        )
        calendar = dict((mode, vid) for vid, mode in action["views"])["calendar"]
        self.assertNotEqual(
            calendar, self.env.ref("support_desk.support_ticket_view_calendar_sla").id
        )

    def test_calendar_views_load(self):
        Ticket = self.env["support.ticket"].with_user(self.agent)
        for suffix, fname in (
            ("", "date_deadline"),
            ("_planned", "date_planned_start"),
            ("_deadline", "date_deadline"),
            ("_sla", "sla_deadline"),
        ):
            view = self.env.ref(f"support_desk.support_ticket_view_calendar{suffix}")
            arch = Ticket.get_views([(view.id, "calendar")])["views"]["calendar"][
                "arch"
            ]
            self.assertIn(f'date_start="{fname}"', arch)
        # The historical id stays the model's default calendar.
        default = Ticket.get_views([(False, "calendar")])["views"]["calendar"]
        self.assertEqual(
            default["id"], self.env.ref("support_desk.support_ticket_view_calendar").id
        )

    def test_setting_in_config(self):
        settings = self.env["res.config.settings"].create(
            {"support_calendar_date_field": "sla_deadline"}
        )
        settings.execute()
        self.assertEqual(self.company.support_calendar_date_field, "sla_deadline")
        arch = settings.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="support_calendar_date_field"', arch)

    # Events in the assignee's calendar

    def test_create_makes_private_event_for_assignee(self):
        ticket = self._assigned_ticket()
        event = ticket.calendar_event_id
        self.assertTrue(event)
        self.assertEqual(event.name, f"[{ticket.number}] {ticket.name}")
        self.assertEqual(event.start, self.deadline)
        self.assertEqual(event.stop, self.deadline + timedelta(hours=1))
        self.assertFalse(event.allday)
        self.assertEqual(event.user_id, self.agent)
        self.assertEqual(event.partner_ids, self.agent.partner_id)
        self.assertEqual(event.attendee_ids.partner_id, self.agent.partner_id)
        self.assertEqual(event.privacy, "private")
        self.assertEqual((event.res_model, event.res_id), ("support.ticket", ticket.id))
        # No invitation mail, no "meeting" activity on the ticket.
        self.assertFalse(
            self.env["mail.message"].search(
                [("model", "=", "calendar.event"), ("res_id", "=", event.id)]
            )
        )
        self.assertFalse(
            self.env["mail.mail"].search(
                [
                    ("model", "in", ("calendar.event", "calendar.attendee")),
                    ("res_id", "in", event.ids + event.attendee_ids.ids),
                ]
            )
        )
        self.assertFalse(ticket.activity_ids)

    def test_no_event_without_assignee_or_date(self):
        unassigned = self._create_ticket(date_deadline=self.deadline)
        undated = self._create_ticket(user_id=self.agent.id)
        self._sync()
        self.assertFalse(unassigned.calendar_event_id)
        self.assertFalse(undated.calendar_event_id)
        self.assertFalse(
            self.env["calendar.event"].search(
                [
                    ("res_model", "=", "support.ticket"),
                    ("res_id", "in", (unassigned | undated).ids),
                ]
            )
        )

    def test_move_and_reassign(self):
        ticket = self._assigned_ticket()
        event = ticket.calendar_event_id
        new_date = self.deadline + timedelta(days=2)
        ticket.write({"date_deadline": new_date, "name": "Renamed"})
        self._sync()
        self.assertEqual(
            ticket.calendar_event_id, event, "the event moves, not a new one"
        )
        self.assertEqual(event.start, new_date)
        self.assertEqual(event.name, f"[{ticket.number}] Renamed")
        ticket.user_id = self.agent_b
        self._sync()
        self.assertEqual(ticket.calendar_event_id, event)
        self.assertEqual(event.user_id, self.agent_b)
        self.assertEqual(event.partner_ids, self.agent_b.partner_id)
        self.assertEqual(event.attendee_ids.partner_id, self.agent_b.partner_id)

    def test_removed_when_closed_cleared_unassigned_archived(self):
        for vals in (
            {"stage_id": self.stage_done.id},
            {"stage_id": self.stage_cancelled.id},
            {"date_deadline": False},
            {"user_id": False},
            {"active": False},
        ):
            ticket = self._assigned_ticket()
            event = ticket.calendar_event_id
            self.assertTrue(event)
            ticket.write(vals)
            self._sync()
            self.assertFalse(ticket.calendar_event_id, vals)
            self.assertFalse(event.exists(), vals)

    def test_reopen_and_unlink(self):
        ticket = self._assigned_ticket()
        ticket.stage_id = self.stage_done
        self._sync()
        self.assertFalse(ticket.calendar_event_id)
        ticket.stage_id = self.stage_progress
        self._sync()
        event = ticket.calendar_event_id
        self.assertTrue(event)
        ticket.unlink()
        self.assertFalse(event.exists())

    def test_reassign_event_with_extra_attendee(self):
        first, second = self._assigned_ticket(), self._assigned_ticket()
        colleague = self.env["res.partner"].create({"name": "Colleague"})
        # Someone invited a colleague to the first ticket's event.
        first.calendar_event_id.partner_ids += colleague
        (first | second).user_id = self.agent_b
        self._sync()
        for ticket in first | second:
            self.assertEqual(
                ticket.calendar_event_id.partner_ids, self.agent_b.partner_id
            )

    def test_event_deleted_by_hand_comes_back(self):
        ticket = self._assigned_ticket()
        ticket.calendar_event_id.unlink()
        self.assertFalse(ticket.calendar_event_id)
        ticket.date_deadline = self.deadline + timedelta(days=1)
        self._sync()
        self.assertTrue(ticket.calendar_event_id)

    def test_setting_change_resyncs(self):
        with_planned = self._assigned_ticket(date_planned_start=self.planned)
        without_planned = self._assigned_ticket()
        event = with_planned.calendar_event_id
        self.company.support_calendar_date_field = "date_planned_start"
        self.assertEqual(with_planned.calendar_event_id, event)
        self.assertEqual(event.start, self.planned)
        self.assertFalse(without_planned.calendar_event_id)
        # Back to the deadline: the ticket without planned start gets its event.
        self.company.support_calendar_date_field = "date_deadline"
        self.assertEqual(with_planned.calendar_event_id.start, self.deadline)
        self.assertEqual(without_planned.calendar_event_id.start, self.deadline)

    def test_sla_deadline(self):
        self.company.support_calendar_date_field = "sla_deadline"
        ticket = self._assigned_ticket()
        self.assertFalse(ticket.sla_deadline)
        self.assertFalse(ticket.calendar_event_id)
        # The SLA deadline is computed: the event follows it all the same.
        policy = self.env["support.sla.policy"].create(
            {
                "name": "Always",
                "calendar_id": self.env.ref("resource.resource_calendar_std").id,
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "priority_id": ticket.priority_id.id,
                            "first_response_hours": 2,
                            "resolution_hours": 8,
                        },
                    )
                ],
            }
        )
        contract = self.env["support.contract"].create(
            {
                "name": "SLA",
                "partner_id": self.customer.id,
                "date_start": "2020-01-01",
                "sla_policy_id": policy.id,
                "user_id": self.manager.id,
            }
        )
        ticket.contract_id = contract
        self._sync()
        self.assertTrue(ticket.sla_deadline)
        self.assertEqual(ticket.calendar_event_id.start, ticket.sla_deadline)

    def _batch(self, size):
        return self.env["support.ticket"].create(
            [
                {
                    "name": f"Batch {i}",
                    "partner_id": self.customer.id,
                    "user_id": self.agent.id,
                    "date_deadline": self.deadline + timedelta(hours=i),
                }
                for i in range(size)
            ]
        )

    def _sync_queries(self, tickets, vals):
        """Queries of the calendar sync alone, after a write of `vals`."""
        tickets.with_context(tracking_disable=True).write(vals)
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        self.env["calendar.event"]._support_ticket_sync(tickets)
        self.env.flush_all()
        count = self.env.cr.sql_log_count - before
        self._sync()
        return count

    def test_batch(self):
        small, large = self._batch(3), self._batch(30)
        self._sync()
        self.assertEqual(len(large.calendar_event_id), 30)
        self.assertEqual(len(set(large.calendar_event_id.ids)), 30)
        counts = {}
        for tickets in (small, large):
            counts[len(tickets)] = self._sync_queries(
                tickets, {"date_deadline": self.deadline}
            )
        self.assertEqual(set(large.calendar_event_id.mapped("start")), {self.deadline})
        # Moving 30 tickets costs what moving 3 does: no query per ticket.
        self.assertLess(counts[30], counts[3] + 10, counts)
        # Re-assigning: one write (calendar itself updates each event's followers).
        large.user_id = self.agent_b
        self._sync()
        self.assertEqual(large.calendar_event_id.user_id, self.agent_b)
        self.assertEqual(large.calendar_event_id.partner_ids, self.agent_b.partner_id)
        self.assertEqual(
            large.calendar_event_id.attendee_ids.partner_id, self.agent_b.partner_id
        )
        self.assertEqual(len(large.calendar_event_id.attendee_ids), 30)
        large.stage_id = self.stage_done
        self._sync()
        self.assertFalse(large.calendar_event_id)

    def test_event_does_not_leak_ticket(self):
        ticket = self._assigned_ticket()
        event = ticket.calendar_event_id
        self.env.invalidate_all()
        mine = event.with_user(self.agent)
        self.assertEqual(mine.name, f"[{ticket.number}] {ticket.name}")
        self.assertEqual(mine.res_id, ticket.id)
        self.env.invalidate_all()
        other = self.env["calendar.event"].with_user(self.agent_b).browse(event.id)
        self.assertEqual(other.name, "Busy")
        self.assertFalse(other.res_id)
        self.assertFalse(other.description)
