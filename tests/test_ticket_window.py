from datetime import datetime, timedelta

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import SupportDeskCommon


@tagged("post_install", "-at_install")
class TestTicketWindow(SupportDeskCommon):
    """The deadline window of a new ticket: start today, end after its type's
    default duration in working days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Monday to Friday, 8:00-17:00 UTC.
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "Office",
                "tz": "UTC",
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": 8,
                            "hour_to": 17,
                        }
                    )
                    for day in range(5)
                ],
            }
        )
        cls.company.resource_calendar_id = cls.calendar
        cls.type_2d = cls.env["support.ticket.type"].create(
            {"name": "Two days", "default_duration_days": 2}
        )
        cls.type_none = cls.env["support.ticket.type"].create({"name": "No duration"})
        # A Friday morning.
        cls.friday = datetime(2030, 3, 1, 10, 0)

    def test_create_counts_working_days(self):
        ticket = self._create_ticket(
            type_id=self.type_2d.id, date_planned_start=self.friday
        )
        # Friday is the first day, Monday the second: its end of work.
        self.assertEqual(ticket.date_deadline, datetime(2030, 3, 4, 17, 0))
        self.assertEqual(ticket.date_planned_start, self.friday)

    def test_create_skips_holidays(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2030, 3, 4, 0, 0),
                "date_to": datetime(2030, 3, 4, 23, 59),
            }
        )
        ticket = self._create_ticket(
            type_id=self.type_2d.id, date_planned_start=self.friday
        )
        self.assertEqual(ticket.date_deadline, datetime(2030, 3, 5, 17, 0))

    def test_create_without_start_starts_now(self):
        before = datetime.now().replace(microsecond=0)
        ticket = self._create_ticket(type_id=self.type_2d.id)
        self.assertGreaterEqual(ticket.date_planned_start, before)
        self.assertGreater(ticket.date_deadline, ticket.date_planned_start)

    def test_calendar_days_without_working_calendar(self):
        self.company.resource_calendar_id = False
        ticket = self._create_ticket(
            type_id=self.type_2d.id, date_planned_start=self.friday
        )
        self.assertEqual(ticket.date_deadline, self.friday + timedelta(days=2))

    def test_given_deadline_kept(self):
        mine = datetime(2030, 4, 1, 12, 0)
        ticket = self._create_ticket(
            type_id=self.type_2d.id, date_planned_start=self.friday, date_deadline=mine
        )
        self.assertEqual(ticket.date_deadline, mine)
        cleared = self._create_ticket(type_id=self.type_2d.id, date_deadline=False)
        self.assertFalse(cleared.date_deadline, "an empty deadline given is kept")

    def test_no_duration_no_deadline(self):
        ticket = self._create_ticket(type_id=self.type_none.id)
        self.assertFalse(ticket.date_deadline)
        self.assertFalse(ticket.date_planned_start)
        untyped = self._create_ticket()
        self.assertFalse(untyped.date_deadline)

    def test_team_default_type_gives_deadline(self):
        self.team_a.default_type_id = self.type_2d
        ticket = self._create_ticket(
            team_id=self.team_a.id, date_planned_start=self.friday
        )
        self.assertEqual(ticket.type_id, self.type_2d)
        self.assertEqual(ticket.date_deadline, datetime(2030, 3, 4, 17, 0))

    def test_form_defaults_and_type_onchange(self):
        before = datetime.now().replace(microsecond=0)
        form = Form(self.env["support.ticket"].with_user(self.agent))
        self.assertGreaterEqual(form.date_planned_start, before, "starts today")
        self.assertFalse(form.date_deadline)
        form.name = "Window"
        form.date_planned_start = self.friday
        form.type_id = self.type_2d
        self.assertEqual(form.date_deadline, datetime(2030, 3, 4, 17, 0))
        ticket = form.save()
        self.assertEqual(ticket.date_deadline, datetime(2030, 3, 4, 17, 0))

    def test_form_keeps_the_users_deadline(self):
        mine = datetime(2030, 3, 20, 12, 0)
        form = Form(self.env["support.ticket"].with_user(self.agent))
        form.name = "Mine"
        form.date_deadline = mine
        form.type_id = self.type_2d
        form.date_planned_start = self.friday
        self.assertEqual(form.date_deadline, mine)
        self.assertEqual(form.save().date_deadline, mine)

    def test_saved_ticket_start_not_refilled(self):
        ticket = self._create_ticket(team_id=self.team_a.id)
        with Form(ticket.with_user(self.agent)) as form:
            form.type_id = self.type_2d
            self.assertFalse(form.date_planned_start, "only a new ticket starts now")
        self.assertFalse(ticket.date_planned_start)

    def test_duration_not_negative(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.type_none.default_duration_days = -1

    def test_duration_set_by_managers_only(self):
        self.assertEqual(self.type_2d.with_user(self.agent).default_duration_days, 2)
        with self.assertRaises(AccessError):
            self.type_2d.with_user(self.agent).default_duration_days = 5
        self.type_2d.with_user(self.manager).default_duration_days = 5
        self.assertEqual(self.type_2d.default_duration_days, 5)
