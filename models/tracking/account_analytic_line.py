from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    support_ticket_id = fields.Many2one(
        "support.ticket",
        string="Ticket",
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
    )
    support_tracking_type_id = fields.Many2one(
        "support.tracking.type",
        string="Tracking Type",
        ondelete="restrict",
        check_company=True,
    )
    support_billable = fields.Boolean(
        string="Billable",
        default=True,
        help="Billable time is charged to the customer and shows on their statement "
        "when only billable time is asked for.",
    )
    support_team_id = fields.Many2one(
        "support.team",
        string="Support Team",
        related="support_ticket_id.team_id",
        store=True,
        index="btree_not_null",
    )
    support_final_partner_id = fields.Many2one(
        "res.partner",
        string="Final Customer",
        related="support_ticket_id.final_partner_id",
        store=True,
    )

    @api.depends("support_ticket_id.partner_id")
    def _compute_partner_id(self):
        res = super()._compute_partner_id()
        for line in self:
            if line.support_ticket_id.partner_id:
                line.partner_id = line.support_ticket_id.partner_id
        return res

    @api.model_create_multi
    def create(self, vals_list):
        Ticket = self.env["support.ticket"]
        for vals in vals_list:
            if vals.get("support_ticket_id"):
                ticket = Ticket.browse(vals["support_ticket_id"])
                # Tracking time changes the ticket: checked before the sudo reads.
                ticket.check_access("write")
                self._prepare_support_vals(vals, ticket)
        lines = super().create(vals_list)
        # On the created lines: the employee may come from employee_id, user_id
        # or a default, whichever the caller used.
        lines._check_support_line_owner()
        lines.support_ticket_id._start_progress_on_tracking()
        lines._check_support_prepaid()
        return lines

    def write(self, vals):
        self._check_support_line_owner()
        if vals.get("support_ticket_id"):
            ticket = self.env["support.ticket"].browse(vals["support_ticket_id"])
            ticket.check_access("write")
            if "project_id" not in vals and "task_id" not in vals:
                project = ticket.sudo()._get_tracking_project()
                if project:
                    vals["project_id"] = project.id
            if "name" in vals and not vals["name"]:
                vals["name"] = ticket.name
        elif "name" in vals and not vals["name"] and "support_ticket_id" not in vals:
            # An emptied description falls back to the ticket's title.
            ticket_lines = self.filtered("support_ticket_id")
            for line in ticket_lines:
                super(AccountAnalyticLine, line).write(
                    dict(vals, name=line.support_ticket_id.name)
                )
            others = self - ticket_lines
            return super(AccountAnalyticLine, others).write(vals) if others else True
        contracts = self.support_ticket_id.contract_id
        res = super().write(vals)
        if {"employee_id", "user_id", "support_ticket_id"} & vals.keys():
            self._check_support_line_owner()
        if vals.get("support_ticket_id"):
            self.support_ticket_id._start_progress_on_tracking()
        if {"unit_amount", "support_billable", "support_ticket_id"} & vals.keys():
            (
                contracts | self.support_ticket_id.contract_id
            ).sudo()._check_prepaid_threshold()
        return res

    def unlink(self):
        self._check_support_line_owner()
        contracts = self.support_ticket_id.contract_id
        res = super().unlink()
        contracts.sudo()._check_prepaid_threshold()
        return res

    def _check_support_prepaid(self):
        """Prepaid contracts warn when tracked time brings them below the threshold."""
        self.support_ticket_id.contract_id.sudo()._check_prepaid_threshold()

    @api.model
    def _prepare_support_vals(self, vals, ticket):
        """Fill what a tracking line takes from its ticket."""
        if not vals.get("project_id") and not vals.get("task_id"):
            project = ticket.sudo()._get_tracking_project()
            if not project:
                raise UserError(
                    self.env._(
                        "No project to track time of %(ticket)s on: set a project "
                        "on the ticket, its contract or its team (%(team)s).",
                        ticket=ticket.display_name,
                        team=ticket.team_id.display_name or self.env._("no team"),
                    )
                )
            vals["project_id"] = project.id
        if not vals.get("name") or vals["name"] == "/":
            vals["name"] = ticket.name

    @api.model
    def _support_may_track_for_others(self):
        """Timesheet approvers and helpdesk managers handle everyone's time."""
        user = self.env.user
        return (
            self.env.su
            or user.has_group("hr_timesheet.group_hr_timesheet_approver")
            or user.has_group("support_desk.group_support_manager")
        )

    def _check_support_line_owner(self):
        """Time tracked on tickets is billed: each employee handles their own.

        :raise AccessError: when a line of a ticket is, or would become, another
            employee's and the user may not track time for others
        """
        if self._support_may_track_for_others():
            return
        user = self.env.user
        if any(line.support_ticket_id and line.sudo().user_id != user for line in self):
            raise AccessError(
                self.env._(
                    "You can only track, change or delete your own time on tickets."
                )
            )

    def _check_can_write(self, values):
        # Support managers correct the tracking of their agents like approvers do;
        # record rules still restrict them to the tickets they see.
        if (
            self
            and all(line.support_ticket_id for line in self)
            and self.env.user.has_group("support_desk.group_support_manager")
        ):
            return
        return super()._check_can_write(values)
