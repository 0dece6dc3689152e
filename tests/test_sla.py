from datetime import datetime

import pytz
from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import SupportDeskCommon

ROME = pytz.timezone("Europe/Rome")


def rome(text):
    """A Rome wall-clock time as the naive UTC datetime Odoo stores."""
    local = ROME.localize(datetime.strptime(text, "%Y-%m-%d %H:%M"))
    return local.astimezone(pytz.utc).replace(tzinfo=None)


class SupportSlaCommon(SupportDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "9-18 Rome",
                "tz": "Europe/Rome",
                "attendance_ids": [
                    (
                        0,
                        0,
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": 9,
                            "hour_to": 18,
                        },
                    )
                    for day in range(5)
                ],
            }
        )
        cls.low = cls.env.ref("support_desk.support_priority_low")
        cls.medium = cls.env.ref("support_desk.support_priority_medium")
        cls.high = cls.env.ref("support_desk.support_priority_high")
        cls.urgent = cls.env.ref("support_desk.support_priority_urgent")
        cls.policy = cls.env["support.sla.policy"].create(
            {
                "name": "Gold",
                "calendar_id": cls.calendar.id,
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "priority_id": cls.medium.id,
                            "first_response_hours": 2,
                            "resolution_hours": 4,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "priority_id": cls.high.id,
                            "first_response_hours": 1,
                            "resolution_hours": 2,
                        },
                    ),
                ],
            }
        )
        cls.contract = cls.env["support.contract"].create(
            {
                "name": "Gold 2026",
                "partner_id": cls.customer.id,
                "date_start": "2026-01-01",
                "sla_policy_id": cls.policy.id,
                "user_id": cls.manager.id,
            }
        )
        cls.contract.action_activate()

    def _ticket_at(self, when, **vals):
        with freeze_time(when):
            vals.setdefault("priority_id", self.medium.id)
            vals.setdefault("team_id", self.team_a.id)
            vals.setdefault("user_id", self.agent.id)
            return self._create_ticket(**vals)

    def _line(self, ticket, target="resolution"):
        return ticket.sla_line_ids.filtered(lambda sla: sla.target == target)


@tagged("post_install", "-at_install")
class TestSlaWorkingTime(SupportSlaCommon):
    def test_contract_and_lines_on_creation(self):
        ticket = self._ticket_at(rome("2026-11-18 10:00"))
        self.assertEqual(ticket.contract_id, self.contract)
        self.assertEqual(ticket.sla_policy_id, self.policy)
        self.assertEqual(
            set(ticket.sla_line_ids.mapped("target")), {"first_response", "resolution"}
        )
        self.assertEqual(
            self._line(ticket, "first_response").deadline, rome("2026-11-18 12:00")
        )
        self.assertEqual(self._line(ticket).deadline, rome("2026-11-18 14:00"))
        self.assertEqual(ticket.sla_deadline, rome("2026-11-18 12:00"))
        self.assertEqual(ticket.sla_status, "ongoing")

    def test_friday_evening_to_monday_noon(self):
        ticket = self._ticket_at(rome("2026-11-20 17:00"))
        self.assertEqual(ticket.sla_start_date, rome("2026-11-20 17:00"))
        self.assertEqual(self._line(ticket).deadline, rome("2026-11-23 12:00"))

    def test_public_holiday_moves_deadline(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "calendar_id": self.calendar.id,
                "date_from": rome("2026-11-23 00:00"),
                "date_to": rome("2026-11-23 23:59"),
            }
        )
        ticket = self._ticket_at(rome("2026-11-20 17:00"))
        self.assertEqual(self._line(ticket).deadline, rome("2026-11-24 12:00"))

    def test_calendar_changes_reach_the_cached_working_time(self):
        """The working intervals are cached for the server: a new holiday, new
        hours or another time zone apply to the next ticket at once, a person's
        time off does not touch them."""
        friday = rome("2026-11-20 17:00")
        self.assertEqual(
            self._line(self._ticket_at(friday)).deadline, rome("2026-11-23 12:00")
        )
        employee_leave = self.env["resource.calendar.leaves"].create(
            {
                "name": "A person's day off",
                "calendar_id": self.calendar.id,
                "resource_id": self.env["resource.resource"]
                .create({"name": "Someone", "calendar_id": self.calendar.id})
                .id,
                "date_from": rome("2026-11-23 00:00"),
                "date_to": rome("2026-11-23 23:59"),
            }
        )
        self.assertEqual(
            self._line(self._ticket_at(friday)).deadline, rome("2026-11-23 12:00")
        )
        holiday = self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "calendar_id": self.calendar.id,
                "date_from": rome("2026-11-23 00:00"),
                "date_to": rome("2026-11-23 23:59"),
            }
        )
        self.assertEqual(
            self._line(self._ticket_at(friday)).deadline, rome("2026-11-24 12:00")
        )
        holiday.unlink()
        employee_leave.unlink()
        self.calendar.attendance_ids.filtered(
            lambda a: a.dayofweek == "0"
        ).hour_from = 11
        self.assertEqual(
            self._line(self._ticket_at(friday)).deadline, rome("2026-11-23 14:00")
        )
        self.calendar.tz = "UTC"
        # 17:00 Rome is 16:00 UTC: 2 hours on Friday, 2 from 11:00 UTC Monday
        self.assertEqual(
            self._line(self._ticket_at(friday)).deadline,
            datetime(2026, 11, 23, 13, 0),
        )

    def test_weekend_creation_starts_monday(self):
        ticket = self._ticket_at(rome("2026-11-21 11:00"))
        self.assertEqual(ticket.sla_start_date, rome("2026-11-23 09:00"))
        self.assertEqual(self._line(ticket).deadline, rome("2026-11-23 13:00"))
        evening = self._ticket_at(rome("2026-11-18 19:30"))
        self.assertEqual(evening.sla_start_date, rome("2026-11-19 09:00"))

    def test_on_hold_moves_deadline(self):
        ticket = self._ticket_at(rome("2026-11-20 17:00"))
        with freeze_time(rome("2026-11-23 09:00")):
            ticket.stage_id = self.stage_hold
        self.assertEqual(ticket.sla_status, "paused")
        self.assertTrue(all(ticket.sla_line_ids.mapped("paused")))
        with freeze_time(rome("2026-11-23 11:00")):
            ticket.stage_id = self.stage_progress
        line = self._line(ticket)
        self.assertFalse(line.paused)
        self.assertAlmostEqual(line.paused_hours, 2.0)
        self.assertEqual(line.deadline, rome("2026-11-23 14:00"))

    def test_pause_over_the_night_counts_working_hours_only(self):
        ticket = self._ticket_at(rome("2026-11-18 16:00"))
        with freeze_time(rome("2026-11-18 17:00")):
            ticket.stage_id = self.stage_hold
        with freeze_time(rome("2026-11-19 10:00")):
            ticket.stage_id = self.stage_progress
        # 17-18 and 9-10 are working time: two hours of pause.
        self.assertAlmostEqual(self._line(ticket).paused_hours, 2.0)
        self.assertEqual(self._line(ticket).deadline, rome("2026-11-19 13:00"))

    def test_dst_end(self):
        # Rome leaves summer time on Sunday 25 October 2026.
        ticket = self._ticket_at(rome("2026-10-23 17:00"))
        self.assertEqual(self._line(ticket).deadline, rome("2026-10-26 12:00"))
        self.assertEqual(self._line(ticket).deadline, datetime(2026, 10, 26, 11, 0))

    def test_dst_start(self):
        # Rome enters summer time on Sunday 28 March 2027.
        ticket = self._ticket_at(rome("2027-03-26 17:00"))
        self.assertEqual(self._line(ticket).deadline, datetime(2027, 3, 29, 10, 0))

    def test_long_target_spans_days(self):
        self.policy.line_ids.filtered(
            lambda line: line.priority_id == self.medium
        ).resolution_hours = 20
        ticket = self._ticket_at(rome("2026-11-18 10:00"))
        # Wed 8h + Thu 9h + Fri 3h.
        self.assertEqual(self._line(ticket).deadline, rome("2026-11-20 12:00"))

    def test_nearest_lower_priority(self):
        low_ticket = self._ticket_at(rome("2026-11-18 10:00"), priority_id=self.low.id)
        self.assertFalse(low_ticket.sla_line_ids, "no target at or below Low")
        self.assertEqual(low_ticket.sla_status, "none")
        urgent = self._ticket_at(rome("2026-11-18 10:00"), priority_id=self.urgent.id)
        self.assertEqual(
            self._line(urgent).target_hours, 2, "Urgent uses High's targets"
        )

    def test_priority_change_recomputes_running_lines(self):
        ticket = self._ticket_at(rome("2026-11-18 10:00"))
        with freeze_time(rome("2026-11-18 10:30")):
            ticket.message_post(
                body="On it",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                author_id=self.agent.partner_id.id,
            )
        self.assertEqual(self._line(ticket, "first_response").status, "reached")
        with freeze_time(rome("2026-11-18 11:00")):
            ticket.priority_id = self.high
        self.assertEqual(self._line(ticket).deadline, rome("2026-11-18 12:00"))
        self.assertEqual(
            self._line(ticket, "first_response").status, "reached", "history stays"
        )
        with freeze_time(rome("2026-11-18 11:00")):
            ticket.priority_id = self.low
        self.assertFalse(self._line(ticket), "no resolution target any more")

    def test_contract_change_recomputes(self):
        ticket = self._ticket_at(
            rome("2026-11-18 10:00"), partner_id=self.other_customer.id
        )
        self.assertFalse(ticket.contract_id)
        self.assertFalse(ticket.sla_line_ids)
        ticket.contract_id = self.contract
        self.assertEqual(len(ticket.sla_line_ids), 2)


@tagged("post_install", "-at_install")
class TestSlaTargets(SupportSlaCommon):
    def test_first_response_by_agent_public_reply_only(self):
        ticket = self._ticket_at(rome("2026-11-18 10:00"))
        first = self._line(ticket, "first_response")
        ticket.message_post(
            body="note",
            subtype_xmlid="mail.mt_note",
            author_id=self.agent.partner_id.id,
        )
        ticket.message_post(
            body="customer",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=self.customer_contact.id,
        )
        ticket.message_post(
            body="auto",
            message_type="auto_comment",
            subtype_xmlid="mail.mt_comment",
            author_id=self.agent.partner_id.id,
        )
        self.assertEqual(first.status, "ongoing")
        with freeze_time(rome("2026-11-18 11:00")):
            ticket.with_user(self.agent).message_post(
                body="We are on it",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(first.status, "reached")
        self.assertEqual(first.reached_date, rome("2026-11-18 11:00"))
        self.assertAlmostEqual(first.reached_hours, 1.0)

    def test_resolution_reached_on_close_and_failed_when_late(self):
        ticket = self._ticket_at(rome("2026-11-18 10:00"))
        with freeze_time(rome("2026-11-18 13:00")):
            ticket.stage_id = self.stage_done
        self.assertEqual(self._line(ticket).status, "reached")
        # Closing without ever answering misses the first-response target.
        self.assertEqual(self._line(ticket, "first_response").status, "failed")
        self.assertEqual(ticket.sla_status, "failed")
        late = self._ticket_at(rome("2026-11-18 10:00"))
        with freeze_time(rome("2026-11-18 15:00")):
            late.stage_id = self.stage_done
        self.assertEqual(self._line(late).status, "failed")
        with freeze_time(rome("2026-11-18 16:00")):
            late.stage_id = self.stage_progress
        self.assertEqual(
            self._line(late).status, "failed", "a failed line stays failed"
        )

    def test_reopen_restarts_reached_lines(self):
        ticket = self._ticket_at(rome("2026-11-18 10:00"))
        with freeze_time(rome("2026-11-18 11:00")):
            ticket.stage_id = self.stage_done
        self.assertEqual(self._line(ticket).status, "reached")
        with freeze_time(rome("2026-11-18 12:00")):
            ticket.stage_id = self.stage_progress
        self.assertEqual(self._line(ticket).status, "ongoing")
        self.assertEqual(ticket.sla_deadline, rome("2026-11-18 12:00"))

    def test_pause_until_customer_reply(self):
        ticket = self._ticket_at(rome("2026-11-18 10:00"))
        with freeze_time(rome("2026-11-18 11:00")):
            ticket.with_user(self.agent).action_pause_sla()
        self.assertTrue(ticket.sla_paused_until_reply)
        self.assertEqual(ticket.sla_status, "paused")
        with freeze_time(rome("2026-11-18 14:00")):
            ticket.message_post(
                body="Here is the log",
                message_type="email",
                subtype_xmlid="mail.mt_comment",
                author_id=self.customer_contact.id,
            )
        self.assertFalse(ticket.sla_paused_until_reply)
        self.assertEqual(self._line(ticket).deadline, rome("2026-11-18 17:00"))

    def test_pause_until_reply_ends_on_stage_change(self):
        ticket = self._ticket_at(rome("2026-11-18 10:00"))
        with freeze_time(rome("2026-11-18 11:00")):
            ticket.action_pause_sla()
        with freeze_time(rome("2026-11-18 12:00")):
            ticket.stage_id = self.stage_progress
        self.assertFalse(ticket.sla_paused_until_reply)
        self.assertEqual(self._line(ticket).deadline, rome("2026-11-18 15:00"))

    def test_expired_follows_resolution(self):
        ticket = self._ticket_at(rome("2026-11-18 10:00"))
        with freeze_time(rome("2026-11-18 15:00")):
            self.env["support.ticket.sla"]._cron_escalate()
            self.assertEqual(self._line(ticket).status, "failed")
            self.assertTrue(ticket.is_expired)
            self.assertIn(
                ticket, self.env["support.ticket"].search([("is_expired", "=", True)])
            )
        ticket.stage_id = self.stage_done
        self.assertFalse(ticket.is_expired)


@tagged("post_install", "-at_install")
class TestSlaConfiguration(SupportSlaCommon):
    def test_team_default_policy_without_contract(self):
        """A customer with no contract still gets targets: the team's policy."""
        ticket = self._ticket_at(
            rome("2026-11-18 10:00"), partner_id=self.other_customer.id
        )
        self.assertFalse(ticket.contract_id)
        self.assertFalse(ticket.sla_line_ids, "no contract, no team policy: no SLA")
        self.team_a.sla_policy_id = self.policy
        other = self._ticket_at(
            rome("2026-11-18 10:00"), partner_id=self.other_customer.id
        )
        self.assertEqual(other.sla_policy_id, self.policy)
        self.assertEqual(
            set(other.sla_line_ids.mapped("target")), {"first_response", "resolution"}
        )
        # moving the first ticket to that team plans it, moving away drops it
        with freeze_time(rome("2026-11-18 11:00")):
            ticket.team_id = self.team_a
        self.assertTrue(ticket.sla_line_ids)
        with freeze_time(rome("2026-11-18 11:30")):
            ticket.team_id = self.team_b
        self.assertFalse(ticket.sla_line_ids.filtered(lambda s: s.status == "ongoing"))

    def test_bad_policy_input(self):
        with self.assertRaises(ValidationError) as caught:
            self.env["support.sla.policy"].create(
                {"name": "No calendar", "calendar_id": False}
            )
        self.assertIn("needs working hours", str(caught.exception))
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.policy.line_ids[0].resolution_hours = -1
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.env["support.sla.escalation"].create(
                {
                    "policy_id": self.policy.id,
                    "name": "x",
                    "trigger": "percent",
                    "value": 150,
                }
            )

    def test_overlapping_contracts(self):
        Contract = self.env["support.contract"]
        with self.assertRaises(ValidationError) as caught:
            Contract.create(
                {
                    "name": "Twin",
                    "partner_id": self.customer.id,
                    "date_start": "2026-06-01",
                }
            )
        self.assertIn("overlaps", str(caught.exception))
        # Another final customer, or a period that does not meet, is fine.
        Contract.create(
            {
                "name": "Reseller",
                "partner_id": self.customer.id,
                "final_partner_id": self.other_customer.id,
                "date_start": "2026-06-01",
            }
        )
        self.contract.date_end = "2026-12-31"
        Contract.create(
            {
                "name": "Next year",
                "partner_id": self.customer.id,
                "date_start": "2027-01-01",
            }
        )
        with self.assertRaises(ValidationError):
            Contract.create(
                {
                    "name": "Bad",
                    "partner_id": self.other_customer.id,
                    "date_start": "2026-06-01",
                    "date_end": "2026-01-01",
                }
            )

    def test_contract_found_for_final_customer_and_asset(self):
        final_contract = self.env["support.contract"].create(
            {
                "name": "Final",
                "partner_id": self.other_customer.id,
                "date_start": "2026-01-01",
            }
        )
        final_contract.action_activate()
        reseller = self.env["res.partner"].create(
            {"name": "Reseller", "is_company": True}
        )
        ticket = self._create_ticket(
            partner_id=reseller.id, final_partner_id=self.other_customer.id
        )
        self.assertEqual(ticket.contract_id, final_contract)
        asset_contract = self.env["support.contract"].create(
            {
                "name": "Asset",
                "partner_id": reseller.id,
                "date_start": "2026-01-01",
            }
        )
        asset_contract.action_activate()
        asset = self.env["maintenance.equipment"].create(
            {
                "name": "Router",
                "support_partner_id": reseller.id,
                "support_contract_id": asset_contract.id,
            }
        )
        ticket = self._create_ticket(partner_id=self.customer.id, equipment_id=asset.id)
        self.assertEqual(ticket.contract_id, asset_contract)
        self.assertIn(asset, asset_contract.equipment_ids)

    def test_expiry_cron_touches_only_ended_contracts(self):
        self.contract.date_end = "2026-06-30"
        other = self.env["support.contract"].create(
            {
                "name": "Open",
                "partner_id": self.other_customer.id,
                "date_start": "2026-01-01",
            }
        )
        other.action_activate()
        with freeze_time("2026-07-01"):
            self.env["support.contract"]._cron_expire_contracts()
        self.assertEqual(self.contract.state, "expired")
        self.assertEqual(other.state, "active")
        ticket = self._create_ticket()
        self.assertFalse(ticket.contract_id, "an expired contract is not attached")

    def test_ticket_counts_on_contract(self):
        self._create_ticket()
        self.assertEqual(self.contract.ticket_count, 1)
        action = self.contract.action_view_tickets()
        self.assertEqual(action["domain"], [("contract_id", "=", self.contract.id)])


@tagged("post_install", "-at_install")
class TestPrepaidContract(SupportSlaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.project = cls.env["project.project"].create({"name": "Prepaid work"})
        cls.contract.write(
            {
                "service_mode": "prepaid",
                "hours_bought": 10,
                "warning_hours": 2,
                "project_id": cls.project.id,
            }
        )
        cls.employee_record = cls.env["hr.employee"].create(
            {"name": "Agent A", "user_id": cls.agent.id}
        )

    def _track(self, ticket, hours, billable=True):
        return self.env["account.analytic.line"].create(
            {
                "support_ticket_id": ticket.id,
                "unit_amount": hours,
                "support_billable": billable,
                "employee_id": self.employee_record.id,
                "name": "Work",
            }
        )

    def test_billable_time_lowers_hours_left_and_warns_once(self):
        ticket = self._create_ticket()
        self.assertEqual(ticket.contract_id, self.contract)
        line = self._track(ticket, 5)
        self._track(ticket, 3, billable=False)
        self.assertEqual(line.project_id, self.project)
        self.contract.invalidate_recordset()
        self.assertAlmostEqual(self.contract.hours_used, 5)
        self.assertAlmostEqual(self.contract.hours_left, 5)
        self.assertFalse(self.contract.is_low_on_hours)
        self.assertFalse(self.contract.low_hours_warned)
        self._track(ticket, 3.5)
        self.contract.invalidate_recordset()
        self.assertAlmostEqual(self.contract.hours_left, 1.5)
        self.assertTrue(self.contract.is_low_on_hours)
        self.assertTrue(self.contract.low_hours_warned)
        warnings = self.contract.message_ids.filtered(
            lambda m: "prepaid hours" in (m.body or "")
        )
        self.assertEqual(len(warnings), 1)
        self.assertTrue(self.contract.activity_ids)
        self._track(ticket, 0.5)
        warnings = self.contract.message_ids.filtered(
            lambda m: "prepaid hours" in (m.body or "")
        )
        self.assertEqual(len(warnings), 1, "crossing is announced once")
        # Moving time off the contract lifts the warning again.
        line.unlink()
        self.contract.invalidate_recordset()
        self.assertFalse(self.contract.is_low_on_hours)
        self.assertFalse(self.contract.low_hours_warned)


@tagged("post_install", "-at_install")
class TestSlaAccess(SupportSlaCommon):
    def test_sla_lines_follow_ticket_visibility(self):
        mine = self._ticket_at(rome("2026-11-18 10:00"), team_id=self.team_a.id)
        other = self._ticket_at(
            rome("2026-11-18 10:00"), team_id=self.team_b.id, user_id=self.agent_b.id
        )
        self.assertTrue(mine.sla_line_ids and other.sla_line_ids)
        Sla = self.env["support.ticket.sla"].with_user(self.agent)
        visible = Sla.search([("ticket_id", "in", (mine | other).ids)])
        self.assertEqual(visible, mine.sla_line_ids)
        with self.assertRaises(AccessError):
            other.sla_line_ids.with_user(self.agent).read(["deadline"])
        with self.assertRaises(AccessError):
            mine.sla_line_ids.with_user(self.agent).write({"status": "reached"})
