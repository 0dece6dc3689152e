from odoo import api, fields, models
from odoo.tools import SQL

SLA_TARGETS = [("first_response", "First Response"), ("resolution", "Resolution")]
SLA_STATUSES = [("ongoing", "Ongoing"), ("reached", "Reached"), ("failed", "Failed")]


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
        calendar = self._calendar
        if not calendar:
            return False
        due = calendar.plan_hours(
            hours + self.paused_hours, self.date_start, compute_leaves=True
        )
        return due and due.replace(tzinfo=None)

    def _working_hours(self, start, end):
        self.ensure_one()
        if not self._calendar or end <= start:
            return 0.0
        return self._calendar.get_work_hours_count(start, end, compute_leaves=True)

    def _recompute_schedule(self):
        """Deadline, next escalation level and next due date of lines still running.

        A failed line keeps escalating (levels after the breach); a reached one stops.
        """
        for line in self:
            if line.status == "reached":
                line.write({"next_escalation_id": False, "next_due_date": False})
                continue
            vals = {}
            if line.status == "ongoing":
                vals["deadline"] = line._plan(line.target_hours)
            level, level_date = line._next_escalation()
            due_dates = [level_date] if level_date else []
            if line.status == "ongoing" and vals["deadline"]:
                due_dates.append(vals["deadline"])
            vals["next_escalation_id"] = level.id
            vals["next_due_date"] = min(due_dates) if due_dates else False
            line.write(vals)

    def _next_escalation(self):
        """The first escalation level of the policy not yet sent, and when it is due."""
        self.ensure_one()
        levels = self.policy_line_id.policy_id.escalation_ids.filtered(
            lambda level: (
                level._applies_to(self.target) and level not in self.escalation_done_ids
            )
        )
        planned = [
            (level._working_hours_from_start(self.target_hours), level)
            for level in levels
        ]
        for hours, level in sorted(
            planned, key=lambda item: (item[0], item[1].sequence)
        ):
            return level, self._plan(hours)
        return self.env["support.sla.escalation"], False

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
        return lines

    def _process_due(self, now):
        template = self.env.ref(
            "support_desk.mail_template_sla_escalation", raise_if_not_found=False
        )
        for line in self:
            if line.status == "ongoing" and line.deadline and line.deadline <= now:
                line.status = "failed"
            # After a downtime several levels may be due: each is sent once, in order.
            level, due = line._next_escalation()
            while level and due and due <= now:
                line._send_escalation(level, template)
                line.escalation_done_ids = [(4, level.id)]
                level, due = line._next_escalation()
            line._recompute_schedule()

    def _send_escalation(self, level, template):
        """Mail the level's recipients and keep a trace in the ticket's chatter."""
        self.ensure_one()
        ticket = self.ticket_id
        partners = level._get_recipients(ticket)
        subject = self.env._(
            "Escalation %(level)s: %(ticket)s",
            level=level.name,
            ticket=ticket.display_name,
        )
        if template:
            body = template.with_context(escalation_level=level)._render_field(
                "body_html", self.ids, compute_lang=True
            )[self.id]
        else:
            body = subject
        ticket.message_post(
            body=body,
            subject=subject,
            partner_ids=partners.ids,
            message_type="notification",
            subtype_xmlid="mail.mt_note",
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
