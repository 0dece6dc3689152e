from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    support_portal_reopen_days = fields.Integer(
        string="Reopen Window (Days)",
        config_parameter="support_desk.portal_reopen_days",
        default=7,
        help="Customers may reopen a closed ticket from the portal during this many "
        "days after it was closed.",
    )
    support_web_form_ip_limit = fields.Integer(
        string="Web Form Tickets per Address per Hour",
        config_parameter="support_desk.web_form_ip_limit",
        default=5,
    )
    support_web_form_email_limit = fields.Integer(
        string="Web Form Tickets per Email per Hour",
        config_parameter="support_desk.web_form_email_limit",
        default=3,
    )
