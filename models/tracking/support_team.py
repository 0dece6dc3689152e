from odoo import fields, models


class SupportTeam(models.Model):
    _inherit = "support.team"

    project_id = fields.Many2one(
        "project.project",
        string="Tracking Project",
        check_company=True,
        domain="[('allow_timesheets', '=', True)]",
        help="Project of the time tracked on the team's tickets when neither the "
        "ticket nor its contract names one.",
    )
