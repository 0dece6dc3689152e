from bisect import bisect_right
from collections import defaultdict
from datetime import timedelta

from pytz import utc

from odoo import Command, api, fields, models
from odoo.tools import SQL

SLA_TARGETS = [("first_response", "First Response"), ("resolution", "Resolution")]
SLA_STATUSES = [("ongoing", "Ongoing"), ("reached", "Reached"), ("failed", "Failed")]


class WorkTimeWalker:
    """Working intervals of one calendar (global leaves out), fetched window by window.

    Planning many deadlines on the same calendar walks these intervals instead of
    asking the calendar again for each of them.
    """

    WINDOW = timedelta(days=14)
    HORIZON = WINDOW * 100  # as far as resource.calendar.plan_hours looks

    def __init__(self, calendar, start):
        self.calendar = calendar
        self.intervals = []  # (start, stop), aware, sorted
        self.stops = []
        # Windows start at midnight UTC: the tickets of a day share the
        # calendar's cached windows (resource.calendar._support_work_intervals).
        self.start = self.end = start.replace(hour=0, minute=0, second=0, microsecond=0)

    def _extend(self):
        window_end = self.end + self.WINDOW
        for start, stop in self.calendar._support_work_intervals(self.end, window_end):
            self.intervals.append((start, stop))
            self.stops.append(stop)
        self.end = window_end

    def plan(self, start, hours):
        """The moment `hours` working hours after `start` (aware), or False."""
        limit = start + self.HORIZON
        index = bisect_right(self.stops, start)
        while True:
            while index >= len(self.intervals):
                if self.end >= limit:
                    return False
                self._extend()
                # a window may start before `start` (windows start at midnight)
                index = bisect_right(self.stops, start, index)
            begin, stop = self.intervals[index]
            if begin >= limit:
                return False
            begin = max(begin, start)
            interval_hours = (stop - begin).total_seconds() / 3600
            if hours <= interval_hours:
                return begin + timedelta(hours=hours)
            hours -= interval_hours
            index += 1


class SupportTicketSla(models.Model):
    _name = "support.ticket.sla"
    _description = "Ticket SLA Target"
    _order = "deadline, id"
    _rec_name = "target"

    ticket_id = fields.Many2one(
        "support.ticket", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="ticket_id.company_id", store=True, index=True)
    policy_line_id = fields.Many2one("support.sla.policy.line", ondelete="set null")
    policy_id = fields.Many2one(related="policy_line_id.policy_id", store=True)
    target = fields.Selection(SLA_TARGETS, required=True)
    target_hours = fields.Float(string="Target (Working Hours)")
    date_start = fields.Datetime(string="SLA Start", required=True)
    deadline = fields.Datetime(index=True)
    status = fields.Selection(
        SLA_STATUSES, required=True, default="ongoing", index=True
    )
    reached_date = fields.Datetime()
    reached_hours = fields.Float(
        string="Working Hours to Reach",
        help="Working hours from the SLA start to the moment the target was reached, "
        "paused time excluded.",
    )
    paused = fields.Boolean(index=True)
    pause_start = fields.Datetime()
    paused_hours = fields.Float(string="Paused (Working Hours)")
    escalation_done_ids = fields.Many2many(
        "support.sla.escalation", string="Escalation Levels Sent", copy=False
    )
    next_escalation_id = fields.Many2one("support.sla.escalation", copy=False)
    next_due_date = fields.Datetime(
        copy=False,
        help="When the escalation cron has to look at this line next: the next "
        "escalation level or the deadline, whichever comes first.",
    )
    # Moved from a ticket merged into this one: history, not this ticket's targets.
    is_merged = fields.Boolean(index=True, readonly=True)
    merged_from_ticket_id = fields.Many2one(
        "support.ticket", string="Merged From", readonly=True, ondelete="set null"
    )

    # Stored copies for the SLA analysis.
    team_id = fields.Many2one(related="ticket_id.team_id", store=True)
    type_id = fields.Many2one(related="ticket_id.type_id", store=True)
    priority_id = fields.Many2one(related="ticket_id.priority_id", store=True)
    partner_id = fields.Many2one(related="ticket_id.partner_id", store=True)
    user_id = fields.Many2one(related="ticket_id.user_id", store=True)

    def init(self):
        # The escalation cron reads only the lines that are due: keep that index small.
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS support_ticket_sla_due_idx "
                "ON support_ticket_sla (next_due_date) "
                "WHERE next_due_date IS NOT NULL AND paused IS NOT TRUE"
            )
        )

    @api.depends("target", "ticket_id")
    def _compute_display_name(self):
        labels = dict(self._fields["target"]._description_selection(self.env))
        for line in self:
            line.display_name = f"{line.ticket_id.number} {labels.get(line.target, '')}"

    @property
    def _calendar(self):
        return self.policy_line_id.policy_id.calendar_id

    def _plan(self, hours):
        """The moment `hours` working hours after the SLA start, pauses added."""
        self.ensure_one()
        return self._plan_batch([(self, hours)])[0]

    def _plan_batch(self, requests, walkers=None):
        """Plan many (line, working hours) pairs from their SLA start, pauses added."""
        return self._plan_on_calendars(
            [
                (line._calendar, line.date_start, hours + line.paused_hours)
                for line, hours in requests
            ],
            walkers,
        )

    @api.model
    def _plan_on_calendars(self, requests, walkers=None):
        """Plan many (calendar, naive UTC start, working hours): one walk per calendar.

        Gives what `calendar.plan_hours(hours, start, compute_leaves=True)` gives
        for each request, without its queries per call. `walkers` (a dict) lets
        successive calls of one operation share the working intervals read.
        """
        walkers = {} if walkers is None else walkers
        results = [False] * len(requests)
        by_calendar = defaultdict(list)
        for index, (calendar, start, _hours) in enumerate(requests):
            if calendar and start:
                by_calendar[calendar].append(index)
        for calendar, indexes in by_calendar.items():
            starts = {index: utc.localize(requests[index][1]) for index in indexes}
            walker = walkers.get(calendar)
            if not walker or walker.start > min(starts.values()):
                walker = walkers[calendar] = WorkTimeWalker(
                    calendar, min(starts.values())
                )
            for index in indexes:
                due = walker.plan(starts[index], requests[index][2])
                results[index] = due and due.astimezone(utc).replace(tzinfo=None)
        return results

    def _working_hours(self, start, end):
        self.ensure_one()
        if not self._calendar or end <= start:
            return 0.0
        return self._calendar.get_work_hours_count(start, end, compute_leaves=True)

    def _recompute_schedule(self, walkers=None):
        """Deadline, next escalation level and next due date of lines still running.

        A failed line keeps escalating (levels after the breach); a reached one stops.
        """
        self.filtered(lambda line: line.status == "reached").write(
            {"next_escalation_id": False, "next_due_date": False}
        )
        lines = self.filtered(lambda line: line.status != "reached")
        requests, levels = [], {}
        for line in lines:
            if line.status == "ongoing":
                requests.append((line, line.target_hours))
            pending = line._pending_levels()
            levels[line] = pending[0][1] if pending else pending
            if pending:
                requests.append((line, pending[0][0]))
        planned = iter(lines._plan_batch(requests, walkers))
        for line in lines:
            vals = {}
            due_dates = []
            if line.status == "ongoing":
                vals["deadline"] = next(planned)
                due_dates.append(vals["deadline"])
            level = levels[line] or self.env["support.sla.escalation"]
            if level:
                due_dates.append(next(planned))
            due_dates = [due for due in due_dates if due]
            vals["next_escalation_id"] = level.id
            vals["next_due_date"] = min(due_dates) if due_dates else False
            line.write(vals)

    def _pending_levels(self):
        """Levels of the policy not sent yet, in order: [(working hours, level)]."""
        self.ensure_one()
        levels = self.policy_line_id.policy_id.escalation_ids.filtered(
            lambda level: (
                level._applies_to(self.target) and level not in self.escalation_done_ids
            )
        )
        return sorted(
            (
                (level._working_hours_from_start(self.target_hours), level)
                for level in levels
            ),
            key=lambda item: (item[0], item[1].sequence, item[1].id),
        )

    def _next_escalation(self):
        """The first escalation level of the policy not yet sent, and when it is due."""
        self.ensure_one()
        pending = self._pending_levels()
        if not pending:
            return self.env["support.sla.escalation"], False
        hours, level = pending[0]
        return level, self._plan(hours)

    def _pause(self, now=None):
        now = now or fields.Datetime.now()
        self.filtered(lambda sla: sla.status != "reached" and not sla.paused).write(
            {"paused": True, "pause_start": now}
        )

    def _resume(self, now=None):
        now = now or fields.Datetime.now()
        paused_lines = self.filtered("paused")
        for line in paused_lines:
            paused = (
                line._working_hours(line.pause_start, now) if line.pause_start else 0
            )
            line.write(
                {
                    "paused": False,
                    "pause_start": False,
                    "paused_hours": line.paused_hours + paused,
                }
            )
        paused_lines._recompute_schedule()

    def _reach(self, now=None):
        """Stamp the running lines: reached, or failed when the deadline has passed.

        Nothing escalates on a closed ticket any more.
        """
        now = now or fields.Datetime.now()
        self.filtered("paused")._resume(now)
        for line in self:
            vals = {"next_escalation_id": False, "next_due_date": False}
            if line.status == "ongoing":
                worked = line._working_hours(line.date_start, now) - line.paused_hours
                failed = line.deadline and now > line.deadline
                vals.update(
                    status="failed" if failed else "reached",
                    reached_date=now,
                    reached_hours=max(worked, 0.0),
                )
            line.write(vals)

    def _reopen(self):
        """Reached lines run again when the ticket reopens; failed ones stay failed."""
        self.filtered(lambda sla: sla.status == "reached").write(
            {"status": "ongoing", "reached_date": False, "reached_hours": 0.0}
        )
        self._recompute_schedule()

    @api.model
    def _cron_escalate(self, limit=1000):
        """Fail lines past their deadline and send the escalation levels that are due.

        One indexed query picks the due lines; SKIP LOCKED lets two cron workers
        share them without sending anything twice.
        """
        now = fields.Datetime.now()
        self.flush_model(["next_due_date", "paused"])
        self.env.cr.execute(
            SQL(
                "SELECT id FROM support_ticket_sla "
                "WHERE next_due_date IS NOT NULL AND paused IS NOT TRUE "
                "AND next_due_date <= %s "
                "ORDER BY next_due_date LIMIT %s FOR UPDATE SKIP LOCKED",
                fields.Datetime.to_string(now),
                limit,
            )
        )
        lines = self.browse([row[0] for row in self.env.cr.fetchall()])
        lines._process_due(now)
        # Tickets whose own deadline passed meanwhile show Expired.
        self.env["support.ticket"]._cron_update_state_display()
        return lines

    def _process_due(self, now):
        self.filtered(
            lambda line: (
                line.status == "ongoing" and line.deadline and line.deadline <= now
            )
        ).write({"status": "failed"})
        # After a downtime several levels may be due: each is sent once, in order.
        requests = [
            (line, hours, level)
            for line in self
            for hours, level in line._pending_levels()
        ]
        walkers = {}
        planned = self._plan_batch(
            [(line, hours) for line, hours, _level in requests], walkers
        )
        due_by_level = defaultdict(lambda: self.browse())
        order = {}
        for (line, hours, level), due in zip(requests, planned, strict=True):
            if due and due <= now:
                due_by_level[level] |= line
                order.setdefault(level, (hours, level.sequence, level.id))
        for level in sorted(due_by_level, key=order.get):
            lines = due_by_level[level]
            lines._send_escalation(level)
            lines.write({"escalation_done_ids": [Command.link(level.id)]})
        self._recompute_schedule(walkers)

    def _send_escalation(self, level):
        """Log the level on each ticket and mail each recipient once.

        A recipient gets one mail for all the tickets of this level in the run (not
        one per ticket), users who read notifications in Odoo get them in their
        inbox.
        """
        tickets = self.ticket_id
        recipients = level._get_recipients_batch(tickets)
        target_labels = dict(self._fields["target"]._description_selection(self.env))
        author = self.env["support.ticket"]._support_xmlid_record("base.partner_root")
        note = self.env["support.ticket"]._support_xmlid_record("mail.mt_note")
        subjects, message_vals = {}, []
        for line in self:
            ticket = line.ticket_id
            subjects[line] = self.env._(
                "Escalation %(level)s: %(ticket)s",
                level=level.name,
                ticket=ticket.display_name,
            )
            message_vals.append(
                {
                    "model": ticket._name,
                    "res_id": ticket.id,
                    "record_name": ticket.display_name,
                    "author_id": author.id,
                    "email_from": author.email_formatted,
                    "subject": subjects[line],
                    "body": self.env["ir.qweb"]._render(
                        "support_desk.sla_escalation_body",
                        {
                            "line": line,
                            "ticket": ticket,
                            "level": level,
                            "target_label": target_labels.get(line.target),
                        },
                    ),
                    "message_type": "notification",
                    "subtype_id": note.id,
                    "is_internal": True,
                }
            )
        self.env["support.ticket"]._support_post_and_deliver(
            [
                (values, recipients[line.ticket_id.id])
                for line, values in zip(self, message_vals, strict=True)
            ],
            lambda count: self.env._(
                "Escalation %(level)s: %(count)s tickets", level=level.name, count=count
            ),
        )

    def _time_left_label(self):
        """Human text of the time left (or over) to the deadline, for mails."""
        self.ensure_one()
        if not self.deadline:
            return ""
        delta = self.deadline - fields.Datetime.now()
        hours = abs(delta.total_seconds()) / 3600
        if delta.total_seconds() >= 0:
            return self.env._("%.1f hours left", hours)
        return self.env._("%.1f hours over", hours)
