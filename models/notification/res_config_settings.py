from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    support_notify_on_open = fields.Boolean(
        related="company_id.support_notify_on_open", readonly=False
    )
    support_ack_blacklist = fields.Text(
        related="company_id.support_ack_blacklist", readonly=False
    )
    support_notify_blacklist = fields.Text(
        related="company_id.support_notify_blacklist", readonly=False
    )
    support_never_notify_sender = fields.Boolean(
        related="company_id.support_never_notify_sender", readonly=False
    )
    support_notify_only_new = fields.Boolean(
        related="company_id.support_notify_only_new", readonly=False
    )
    support_mail_footer = fields.Html(
        related="company_id.support_mail_footer", readonly=False
    )
