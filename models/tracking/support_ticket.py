import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


class SupportTicket(models.Model):
    _inherit = "support.ticket"

    project_id = fields.Many2one(
        "project.project",
        index="btree_not_null",
        check_company=True,
        groups="base.group_user",
    )

    estimate_hours = fields.Float(string="Estimate (Hours)", groups="base.group_user")

    # Tracking (timesheet lines)
    timesheet_ids = fields.One2many(
        "account.analytic.line",
        "support_ticket_id",
        string="Tracking",
        groups="base.group_user",
    )
    tracked_hours = fields.Float(
        compute="_compute_tracked_hours",
        store=True,
        precompute=True,  # a new ticket's lines are in memory: no query
        help="Time tracked on the ticket, billable or not.",
        groups="base.group_user",
    )
    tracking_progress = fields.Float(
        string="Progress",
        compute="_compute_tracking_status",
        store=True,
        aggregator="avg",
        help="Tracked hours as a percentage of the estimate.",
        groups="base.group_user",
    )
    tracking_status = fields.Selection(
        [
            ("none", "No Tracking"),
            ("no_estimate", "Tracked, No Estimate"),
            ("within", "Within Estimate"),
            ("over", "Over Estimate"),
        ],
        compute="_compute_tracking_status",
        store=True,
        index=True,
        groups="base.group_user",
    )

    @api.depends("timesheet_ids.unit_amount")
    def _compute_tracked_hours(self):
        saved = self.filtered("id")
        hours = dict(
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [("support_ticket_id", "in", saved.ids)],
                ["support_ticket_id"],
                ["unit_amount:sum"],
            )
        )
        for ticket in saved:
            ticket.tracked_hours = hours.get(ticket, 0.0)
        for ticket in self - saved:
            # Not saved yet (form onchange): add up the lines in memory.
            ticket.tracked_hours = sum(ticket.timesheet_ids.mapped("unit_amount"))

    @api.depends("tracked_hours", "estimate_hours")
    def _compute_tracking_status(self):
        for ticket in self:
            estimate, tracked = ticket.estimate_hours, ticket.tracked_hours
            ticket.tracking_progress = (
                100.0 * tracked / estimate if estimate > 0 else 0.0
            )
            if not tracked:
                ticket.tracking_status = "none"
            elif estimate <= 0:
                ticket.tracking_status = "no_estimate"
            elif tracked > estimate:
                ticket.tracking_status = "over"
            else:
                ticket.tracking_status = "within"

    def _get_tracking_project(self):
        """Project of the time tracked on the ticket: contract, ticket, team,
        else the company's default support project."""
        self.ensure_one()
        return (
            self.contract_id.project_id
            or self.project_id
            or self.team_id.project_id
            or self.company_id._support_default_project()
        )

    def _start_progress_on_tracking(self):
        """Logging time on a new ticket puts it in progress."""
        new_tickets = self.filtered(lambda t: t.state == "new")
        stage = new_tickets and self._get_in_progress_stage()
        if stage:
            new_tickets.write({"stage_id": stage.id})

    def _get_portal_tracking_lines(self):
        """Billable tracking lines the customer may see, when the contract says so."""
        self.ensure_one()
        if not self.contract_id.portal_show_tracking:
            return self.env["account.analytic.line"]
        return self.sudo().timesheet_ids.filtered("support_billable").sorted("date")
