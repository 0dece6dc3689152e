from datetime import timedelta

from freezegun import freeze_time

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from .test_sla import SupportSlaCommon, rome


@tagged("post_install", "-at_install")
class TestSlaEscalation(SupportSlaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.write(
            {
                "escalation_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Warning",
                            "sequence": 1,
                            "target": "resolution",
                            "trigger": "percent",
                            "value": 75,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "name": "Breach",
                            "sequence": 2,
                            "target": "resolution",
                            "trigger": "breach",
                            "notify_team_leader": True,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "name": "Boss",
                            "sequence": 3,
                            "target": "resolution",
                            "trigger": "after",
                            "value": 2,
                            "notify_assignee": False,
                            "user_ids": [(6, 0, cls.manager.ids)],
                            "email_to": "boss@customer.example",
                        },
                    ),
                ]
            }
        )
        cls.team_a.user_id = cls.ticket_admin

    def _escalations(self, ticket):
        return ticket.message_ids.filtered(
            lambda m: (m.subject or "").startswith("Escalation")
        )

    def _run_cron(self, when):
        with freeze_time(when):
            return self.env["support.ticket.sla"]._cron_escalate()

    def test_levels_are_sent_once_in_order(self):
        # Resolution: 4 working hours from Wed 10:00 -> 14:00; 75 % -> 13:00.
        ticket = self._ticket_at(rome("2026-11-18 10:00"))
        line = self._line(ticket)
        self.assertEqual(line.next_escalation_id.name, "Warning")
        self.assertEqual(
            line.next_due_date, rome("2026-11-18 13:00"), "75 % of 4 hours"
        )
        self._run_cron(rome("2026-11-18 12:30"))
        self.assertFalse(self._escalations(ticket))
        self._run_cron(rome("2026-11-18 13:05"))
        self._run_cron(rome("2026-11-18 13:10"))
        sent = self._escalations(ticket)
        self.assertEqual(len(sent), 1)
        self.assertIn("Warning", sent.subject)
        self.assertIn(self.agent.partner_id, sent.partner_ids)
        self.assertIn(ticket.partner_id.display_name, sent.body)
        self._run_cron(rome("2026-11-18 14:01"))
        self._run_cron(rome("2026-11-18 14:02"))
        sent = self._escalations(ticket)
        self.assertEqual(len(sent), 2)
        self.assertEqual(line.status, "failed")
        breach = sent.filtered(lambda m: "Breach" in m.subject)
        self.assertIn(self.ticket_admin.partner_id, breach.partner_ids, "team leader")
        self._run_cron(rome("2026-11-18 16:30"))
        self._run_cron(rome("2026-11-19 09:00"))
        sent = self._escalations(ticket)
        self.assertEqual(len(sent), 3)
        boss = sent.filtered(lambda m: "Boss" in m.subject)
        self.assertIn(self.manager.partner_id, boss.partner_ids)
        self.assertIn("boss@customer.example", boss.partner_ids.mapped("email"))
        self.assertNotIn(self.agent.partner_id, boss.partner_ids)
        self.assertFalse(line.next_due_date, "nothing left to do")
        self.assertEqual(
            line.escalation_done_ids.mapped("name"), ["Warning", "Breach", "Boss"]
        )

    def test_late_cron_sends_every_due_level_once(self):
        ticket = self._ticket_at(rome("2026-11-18 10:00"))
        self._run_cron(rome("2026-11-20 10:00"))
        self._run_cron(rome("2026-11-20 11:00"))
        self.assertEqual(len(self._escalations(ticket)), 3)

    def test_nothing_for_closed_or_paused_tickets(self):
        closed = self._ticket_at(rome("2026-11-18 10:00"))
        paused = self._ticket_at(rome("2026-11-18 10:00"))
        with freeze_time(rome("2026-11-18 11:00")):
            closed.stage_id = self.stage_done
            paused.stage_id = self.stage_hold
        due = self._run_cron(rome("2026-11-20 10:00"))
        self.assertFalse(self._escalations(closed))
        self.assertFalse(self._escalations(paused))
        self.assertTrue(closed.sla_line_ids)
        self.assertFalse(set(closed.sla_line_ids.ids) & set(due.ids))
        self.assertFalse(due & (closed | paused).sla_line_ids)

    def test_cron_reads_only_due_lines(self):
        tickets = [self._ticket_at(rome("2026-11-18 10:00")) for _i in range(3)]
        later = self._ticket_at(rome("2026-11-19 10:00"))
        due = self._run_cron(rome("2026-11-18 12:30"))
        self.assertEqual(due.ticket_id, self.env["support.ticket"].concat(*tickets))
        self.assertNotIn(later, due.ticket_id)

    def test_one_mail_per_recipient_and_level(self):
        """A run that escalates many tickets mails each recipient once per level."""
        self.ticket_admin.notification_type = "email"
        self.agent.notification_type = "inbox"
        tickets = [self._ticket_at(rome("2026-11-18 10:00")) for _i in range(3)]
        mails_before = self.env["mail.mail"].search([])
        self._run_cron(rome("2026-11-18 14:01"))
        for ticket in tickets:
            self.assertEqual(len(self._escalations(ticket)), 2, "warning and breach")
        mails = self.env["mail.mail"].search([]) - mails_before
        leader_mails = mails.filtered(
            lambda mail: self.ticket_admin.partner_id in mail.recipient_ids
        )
        self.assertEqual(len(leader_mails), 1, "one digest for the three tickets")
        self.assertIn("3 tickets", leader_mails.subject)
        for ticket in tickets:
            self.assertIn(ticket.number, leader_mails.body_html)
        self.assertFalse(
            mails.filtered(lambda mail: self.agent.partner_id in mail.recipient_ids),
            "the assignee reads notifications in Odoo",
        )
        inbox = self.env["mail.notification"].search(
            [
                ("res_partner_id", "=", self.agent.partner_id.id),
                (
                    "mail_message_id",
                    "in",
                    self.env["mail.message"]
                    .concat(*map(self._escalations, tickets))
                    .ids,
                ),
                ("notification_type", "=", "inbox"),
            ]
        )
        self.assertEqual(len(inbox), 6, "two levels on three tickets, in the inbox")

    def test_escalation_mail_footer_and_server(self):
        """Escalation mails, single and digest, carry the legal footer and
        leave through the tickets' server (the team's)."""
        server = self.env["ir.mail_server"].create(
            {"name": "Team A server", "smtp_host": "localhost", "smtp_port": 2525}
        )
        self.team_a.mail_server_id = server
        self.company.support_mail_footer = "<p>Informativa privacy</p>"
        self.ticket_admin.notification_type = "email"
        tickets = [self._ticket_at(rome("2026-11-18 10:00")) for _i in range(2)]
        mails_before = self.env["mail.mail"].search([])
        self._run_cron(rome("2026-11-18 14:01"))
        mails = (self.env["mail.mail"].search([]) - mails_before).filtered(
            lambda mail: self.ticket_admin.partner_id in mail.recipient_ids
        )
        self.assertEqual(len(mails), 1, "one digest")
        self.assertIn("2 tickets", mails.subject)
        self.assertIn("Informativa privacy", mails.body_html)
        self.assertEqual(mails.mail_server_id, server)
        self.assertTrue(tickets)
        single = self._ticket_at(rome("2026-11-19 10:00"))
        mails_before = self.env["mail.mail"].search([])
        self._run_cron(rome("2026-11-19 14:01"))
        mails = (self.env["mail.mail"].search([]) - mails_before).filtered(
            lambda mail: self.ticket_admin.partner_id in mail.recipient_ids
        )
        self.assertEqual(len(mails), 1)
        self.assertIn(single.number, mails.body_html)
        self.assertIn("Informativa privacy", mails.body_html)
        self.assertEqual(mails.mail_server_id, server)

    def test_batch_planning_matches_the_calendar(self):
        """The cron's planner gives what resource.calendar.plan_hours gives."""
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "calendar_id": self.calendar.id,
                "date_from": rome("2026-10-28 00:00"),
                "date_to": rome("2026-10-28 23:59"),
            }
        )
        ticket = self._ticket_at(rome("2026-10-20 10:00"))
        line = self._line(ticket)
        starts = [
            rome("2026-10-20 00:00") + timedelta(minutes=97 * step)
            for step in range(300)
        ]
        lines = self.env["support.ticket.sla"].create(
            [
                {
                    "ticket_id": ticket.id,
                    "policy_line_id": line.policy_line_id.id,
                    "target": "resolution",
                    "date_start": start,
                }
                for start in starts
            ]
        )
        for hours in (0, 0.5, 4, 9, 27.25, 100):
            requests = [(sla, hours) for sla in lines]
            expected = []
            for start in starts:
                due = self.calendar.plan_hours(hours, start, compute_leaves=True)
                expected.append(due and due.replace(tzinfo=None))
            self.assertEqual(line._plan_batch(requests), expected, f"{hours} hours")


@tagged("post_install", "-at_install")
class TestSlaEscalationConcurrency(TransactionCase):
    """Two cron workers at once never send the same level twice."""

    def test_two_workers(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            calendar = env["resource.calendar"].create(
                {
                    "name": "24/7",
                    "tz": "UTC",
                    "attendance_ids": [
                        (
                            0,
                            0,
                            {
                                "name": str(d),
                                "dayofweek": str(d),
                                "hour_from": 0,
                                "hour_to": 24,
                            },
                        )
                        for d in range(7)
                    ],
                }
            )
            medium = env.ref("support_desk.support_priority_medium")
            policy = env["support.sla.policy"].create(
                {
                    "name": "Race",
                    "calendar_id": calendar.id,
                    "line_ids": [
                        (0, 0, {"priority_id": medium.id, "resolution_hours": 1})
                    ],
                    "escalation_ids": [(0, 0, {"name": "Breach", "trigger": "breach"})],
                }
            )
            partner = env["res.partner"].create(
                {"name": "Race Customer", "is_company": True}
            )
            contract = env["support.contract"].create(
                {
                    "name": "Race",
                    "partner_id": partner.id,
                    "date_start": "2020-01-01",
                    "sla_policy_id": policy.id,
                    "state": "active",
                }
            )
            with freeze_time("2026-11-18 08:00"):
                ticket = env["support.ticket"].create(
                    {
                        "name": "Race",
                        "partner_id": partner.id,
                        "priority_id": medium.id,
                    }
                )
            ids = {
                "ticket": ticket.id,
                "contract": contract.id,
                "policy": policy.id,
                "calendar": calendar.id,
                "partner": partner.id,
            }
        self.addCleanup(self._cleanup, ids)
        with (
            freeze_time("2026-11-18 10:00"),
            self.registry.cursor() as cr1,
            self.registry.cursor() as cr2,
        ):
            sent_1 = api.Environment(cr1, SUPERUSER_ID, {})[
                "support.ticket.sla"
            ]._cron_escalate()
            sent_2 = api.Environment(cr2, SUPERUSER_ID, {})[
                "support.ticket.sla"
            ]._cron_escalate()
            self.assertTrue(sent_1)
            self.assertFalse(sent_2, "the second worker skips the locked line")
            cr1.commit()
            cr2.rollback()
            # A later run, in a new transaction, finds nothing left to send.
            sent_3 = api.Environment(cr2, SUPERUSER_ID, {})[
                "support.ticket.sla"
            ]._cron_escalate()
            self.assertFalse(sent_3)
        with self.registry.cursor() as cr:
            ticket = api.Environment(cr, SUPERUSER_ID, {})["support.ticket"].browse(
                ids["ticket"]
            )
            escalations = ticket.message_ids.filtered(
                lambda m: (m.subject or "").startswith("Escalation")
            )
            self.assertEqual(len(escalations), 1)

    def _cleanup(self, ids):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["support.ticket"].browse(ids["ticket"]).unlink()
            env["support.contract"].browse(ids["contract"]).unlink()
            env["support.sla.policy"].browse(ids["policy"]).unlink()
            env["resource.calendar"].browse(ids["calendar"]).unlink()
            env["res.partner"].browse(ids["partner"]).unlink()
