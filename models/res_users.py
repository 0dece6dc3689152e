from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    support_team_ids = fields.Many2many(
        "support.team",
        "support_team_member_rel",
        "user_id",
        "team_id",
        string="Support Teams",
    )
