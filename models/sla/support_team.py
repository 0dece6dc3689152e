from odoo import fields, models


class SupportTeam(models.Model):
    _inherit = "support.team"

    sla_policy_id = fields.Many2one(
        "support.sla.policy",
        string="Default SLA Policy",
        check_company=True,
        help="The targets of the team's tickets whose customer has no contract "
        "(a contract's own policy wins).",
    )
