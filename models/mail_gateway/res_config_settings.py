from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    support_mail_rate_limit = fields.Integer(
        related="company_id.support_mail_rate_limit", readonly=False
    )
    support_mail_drop_retention_days = fields.Integer(
        string="Keep Dropped Mails (Days)",
        config_parameter="support_desk.mail_drop_retention_days",
        default=30,
        help="The raw source of a dropped mail is deleted after this many days "
        "(at least one); the line of the drop stays.",
    )
    support_public_mail_domains = fields.Text(
        related="company_id.support_public_mail_domains", readonly=False
    )
