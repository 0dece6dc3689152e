import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..ticket.support_stage import CLOSED_STATES, STAGE_STATES

_logger = logging.getLogger(__name__)

# The state a user reads in lists (the first seed's "Stato"): Expired is an open
# ticket past its deadline or its resolution target.
STATE_DISPLAY = [*STAGE_STATES[:3], ("expired", "Expired"), *STAGE_STATES[3:]]
OPEN_STATES = tuple(state for state, _label in STAGE_STATES[:3])


class SupportTicket(models.Model):
    _inherit = "support.ticket"

    sla_policy_id = fields.Many2one(
        "support.sla.policy",
        string="SLA Policy",
        compute="_compute_sla_policy_id",
        groups="base.group_user",
        help="The contract's policy, else the team's default one.",
    )
    sla_line_ids = fields.One2many(
        "support.ticket.sla",
        "ticket_id",
        string="SLA",
        domain=[("is_merged", "=", False)],
        groups="base.group_user",
    )
    # The SLA history of tickets merged into this one: shown, never run again.
    sla_merged_line_ids = fields.One2many(
        "support.ticket.sla",
        "ticket_id",
        string="SLA of Merged Tickets",
        domain=[("is_merged", "=", True)],
        groups="base.group_user",
    )
    sla_start_date = fields.Datetime(
        string="SLA Start",
        readonly=True,
        copy=False,
        help="When the SLA clock started: the creation, or the next working time.",
        groups="base.group_user",
    )
    sla_deadline = fields.Datetime(
        string="SLA Deadline",
        compute="_compute_sla_fields",
        store=True,
        index=True,
        help="The nearest deadline among the targets not met yet.",
    )
    sla_status = fields.Selection(
        [
            ("none", "No SLA"),
            ("ongoing", "Running"),
            ("paused", "Paused"),
            ("reached", "Met"),
            ("failed", "Failed"),
        ],
        string="SLA Status",
        compute="_compute_sla_fields",
        store=True,
        index=True,
    )
    sla_resolution_failed = fields.Boolean(
        compute="_compute_sla_fields", store=True, groups="base.group_user"
    )
    sla_paused_until_reply = fields.Boolean(
        string="SLA Paused until Reply",
        copy=False,
        help="The SLA is paused until the customer replies or the stage changes.",
        groups="base.group_user",
    )
    is_expired = fields.Boolean(
        string="Expired",
        compute="_compute_is_expired",
        search="_search_is_expired",
        help="The deadline has passed and the ticket is neither closed nor cancelled.",
    )
    state_display = fields.Selection(
        STATE_DISPLAY,
        string="Status",
        compute="_compute_state_display",
        store=True,
        index=True,
        help="The state of the ticket, or Expired when it is open past its deadline "
        "or its resolution target.",
    )

    def init(self):
        res = super().init()
        # The open rows whose deadline may still pass: what the expiry cron reads.
        self._support_create_indexes(
            [
                (
                    "support_ticket_expiry_due_idx",
                    "support_ticket",
                    "date_deadline",
                    "state_display IN ('new', 'in_progress', 'on_hold') "
                    "AND date_deadline IS NOT NULL",
                )
            ]
        )
        return res

    @api.depends("sla_line_ids.status", "sla_line_ids.deadline", "sla_line_ids.paused")
    def _compute_sla_fields(self):
        for ticket in self:
            lines = ticket.sla_line_ids
            running = lines.filtered(lambda sla: sla.status == "ongoing")
            deadlines = [sla.deadline for sla in running if sla.deadline]
            ticket.sla_deadline = min(deadlines) if deadlines else False
            ticket.sla_resolution_failed = any(
                sla.target == "resolution" and sla.status == "failed" for sla in lines
            )
            if not lines:
                ticket.sla_status = "none"
            elif any(sla.status == "failed" for sla in lines):
                ticket.sla_status = "failed"
            elif running and all(sla.paused for sla in running):
                ticket.sla_status = "paused"
            elif running:
                ticket.sla_status = "ongoing"
            else:
                ticket.sla_status = "reached"
        self.env["calendar.event"]._support_ticket_sync_later(self, "sla_deadline")

    @api.depends("contract_id.sla_policy_id", "team_id.sla_policy_id")
    def _compute_sla_policy_id(self):
        for ticket in self:
            ticket.sla_policy_id = ticket._support_sla_policy()

    def _support_sla_policy(self):
        """The SLA of the ticket: its contract's policy, else its team's."""
        self.ensure_one()
        return self.contract_id.sla_policy_id or self.team_id.sla_policy_id

    @api.depends("date_deadline", "state", "sla_resolution_failed")
    def _compute_is_expired(self):
        now = fields.Datetime.now()
        for ticket in self:
            late = ticket.sla_resolution_failed or (
                ticket.date_deadline and ticket.date_deadline < now
            )
            ticket.is_expired = bool(late and ticket.state not in CLOSED_STATES)

    def _search_is_expired(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on the Expired field."))
        now = fields.Datetime.now()
        expired = [
            "&",
            ("state", "not in", CLOSED_STATES),
            "|",
            ("date_deadline", "<", now),
            ("sla_resolution_failed", "=", True),
        ]
        if (operator == "=") == value:
            return expired
        return [
            "|",
            ("state", "in", CLOSED_STATES),
            "&",
            ("sla_resolution_failed", "=", False),
            "|",
            ("date_deadline", "=", False),
            ("date_deadline", ">=", now),
        ]

    def action_pause_sla(self):
        """Pause the SLA until the customer replies or the stage changes."""
        self.check_access("write")
        self.sla_line_ids.sudo()._pause()
        self.sudo().sla_paused_until_reply = True
        return True

    def action_resume_sla(self):
        self.check_access("write")
        self._sla_resume_reply_pause()
        return True

    def _sla_resume_reply_pause(self):
        paused = self.sudo().filtered("sla_paused_until_reply")
        paused.sla_paused_until_reply = False
        paused.filtered(lambda t: t.state != "on_hold").sla_line_ids.sudo()._resume()

    def _sla_apply(self):
        """Create or update the SLA lines from the contract's policy and priority.

        Reached and failed lines are history and stay; running ones follow the new
        targets. Works on the whole batch: one calendar walk per calendar, one
        create for the new lines.
        """
        now = fields.Datetime.now()
        SlaLine = self.env["support.ticket.sla"].sudo()
        planned = self._sla_plan_targets()
        # The SLA starts at the next working moment of the policy's calendar.
        walkers = {}
        starts = SlaLine._plan_on_calendars(
            [
                (line.policy_id.calendar_id, ticket.sla_start_date or now, 0)
                for ticket, line, _targets, _running in planned
            ],
            walkers,
        )
        changed, create_vals, to_pause = SlaLine, [], []
        for (ticket, policy_line, targets, running), start in zip(
            planned, starts, strict=True
        ):
            ticket.sla_start_date = start or now
            history = set((ticket.sla_line_ids - running).mapped("target"))
            for target, hours in targets.items():
                if target in history:
                    continue
                vals = {
                    "policy_line_id": policy_line.id,
                    "target_hours": hours,
                    "date_start": ticket.sla_start_date,
                }
                line = running.filtered(lambda sla, t=target: sla.target == t)
                if line:
                    line.write(vals)
                    changed |= line
                else:
                    create_vals.append(dict(vals, ticket_id=ticket.id, target=target))
            if ticket.state == "on_hold" or ticket.sla_paused_until_reply:
                to_pause.append(ticket.id)
        changed |= SlaLine.create(create_vals)
        changed.filtered(lambda sla: sla.ticket_id.id in to_pause)._pause(now)
        changed._recompute_schedule(walkers)

    def _sla_plan_targets(self):
        """``(ticket, policy line, targets, running lines)`` of the open tickets
        with a policy; running lines of targets the policy no longer has go."""
        obsolete, planned = self.env["support.ticket.sla"].sudo(), []
        for ticket in self.sudo():
            if ticket.state in CLOSED_STATES:
                continue
            policy = ticket._support_sla_policy()
            policy_line = (
                policy._get_line_for_priority(ticket.priority_id)
                if policy and ticket.priority_id
                else self.env["support.sla.policy.line"]
            )
            targets = policy_line._get_targets() if policy_line else {}
            running = ticket.sla_line_ids.filtered(lambda sla: sla.status == "ongoing")
            obsolete |= running.filtered(lambda sla, t=targets: sla.target not in t)
            if targets:
                planned.append((ticket, policy_line, targets, running))
        obsolete.unlink()
        return planned

    def _sla_on_state_change(self, old_states):
        """On hold pauses, leaving it resumes, closing stamps, reopening restarts."""
        now = fields.Datetime.now()
        for ticket in self.sudo():
            old, new = old_states.get(ticket), ticket.state
            if old == new:
                continue
            lines = ticket.sla_line_ids
            if new in CLOSED_STATES:
                ticket.sla_paused_until_reply = False
                lines._reach(now)
                continue
            if old in CLOSED_STATES:
                lines._reopen()
            ticket.sla_paused_until_reply = False
            if new == "on_hold":
                lines._pause(now)
            else:
                lines._resume(now)

    def _sla_on_message(self, message):
        """First public reply of an agent meets the first-response target; a
        customer's reply ends a pause asked from the reply box."""
        author_user = message.author_id.user_ids[:1]
        is_agent = author_user and not author_user.share
        if (
            is_agent
            and message.message_type == "comment"
            and not message.subtype_id.internal
        ):
            self.sudo().sla_line_ids.filtered(
                lambda sla: sla.target == "first_response" and sla.status == "ongoing"
            )._reach()
        elif not is_agent and message.message_type in ("comment", "email"):
            self.sudo()._sla_resume_reply_pause()

    @api.depends("date_deadline", "state", "sla_resolution_failed")
    def _compute_state_display(self):
        # Stored, so that lists colour, count and group on it: a deadline that
        # passes with no write is caught by _cron_update_state_display.
        now = fields.Datetime.now()
        for ticket in self:
            late = ticket.sla_resolution_failed or (
                ticket.date_deadline and ticket.date_deadline < now
            )
            expired = late and ticket.state in OPEN_STATES
            ticket.state_display = "expired" if expired else ticket.state

    @api.model
    def _cron_update_state_display(self, limit=5000):
        """Mark Expired the open tickets whose deadline passed since the last run.

        One indexed query picks only the rows that became due; the others keep
        their stored value (writes and stage changes recompute it).
        """
        due = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("state_display", "in", OPEN_STATES),
                    ("date_deadline", "<", fields.Datetime.now()),
                ],
                limit=limit,
            )
        )
        if due:
            self.env.add_to_compute(self._fields["state_display"], due)
            due._recompute_recordset(["state_display"])
        return due

    @api.constrains("date_planned_start", "date_deadline")
    def _check_dates(self):
        for ticket in self:
            if (
                ticket.date_planned_start
                and ticket.date_deadline
                and ticket.date_deadline < ticket.date_planned_start
            ):
                raise ValidationError(
                    self.env._("The deadline cannot be earlier than the planned start.")
                )

    @api.onchange("type_id", "date_planned_start")
    def _onchange_support_window(self):
        """A new ticket's window starts now and lasts its type's duration.

        Only empty dates are filled: a date the user typed is kept.
        """
        if not self._origin and not self.date_planned_start:
            self.date_planned_start = fields.Datetime.now()
        if not self.date_deadline and self.type_id.default_duration_days:
            self.date_deadline = self._support_type_deadline(
                self.type_id, self.date_planned_start, self.company_id
            )

    @api.model
    def _support_type_deadline(self, ticket_type, start, company):
        """End of the type's default window from `start`: the end of the last
        working day on the company's calendar, the start's day counted."""
        days = ticket_type.default_duration_days
        if not days or not start:
            return False
        calendar = (company or self.env.company).resource_calendar_id
        end = calendar and calendar.plan_days(days, start, compute_leaves=True)
        return end or start + timedelta(days=days)

    def _support_default_deadline_vals(self, vals):
        """Tickets from every channel get their type's deadline unless the
        caller gave one (even an empty one)."""
        if "date_deadline" in vals or not vals.get("type_id"):
            return
        start = fields.Datetime.to_datetime(vals.get("date_planned_start"))
        deadline = self._support_type_deadline(
            self.env["support.ticket.type"].browse(vals["type_id"]),
            start or fields.Datetime.now(),
            self.env["res.company"].browse(vals.get("company_id")),
        )
        if deadline:
            vals["date_deadline"] = deadline
            vals.setdefault("date_planned_start", start or fields.Datetime.now())
