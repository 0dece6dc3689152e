from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    support_pbx_token = fields.Char(
        related="company_id.support_pbx_token",
        readonly=False,
        groups="base.group_system",
    )
    support_pbx_originate_url = fields.Char(
        related="company_id.support_pbx_originate_url", readonly=False
    )
    support_pbx_originate_method = fields.Selection(
        related="company_id.support_pbx_originate_method", readonly=False
    )
    support_pbx_auth_header = fields.Char(
        related="company_id.support_pbx_auth_header",
        readonly=False,
        groups="base.group_system",
    )
    support_pbx_timeout = fields.Integer(
        related="company_id.support_pbx_timeout", readonly=False
    )
    support_pbx_country_id = fields.Many2one(
        related="company_id.support_pbx_country_id", readonly=False
    )
