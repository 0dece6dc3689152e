from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    support_calendar_date_field = fields.Selection(
        related="company_id.support_calendar_date_field", readonly=False
    )
