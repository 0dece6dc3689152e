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
    support_mail_footer = fields.Html(
        related="company_id.support_mail_footer", readonly=False
    )
    support_calendar_date_field = fields.Selection(
        related="company_id.support_calendar_date_field", readonly=False
    )
    support_project_id = fields.Many2one(
        related="company_id.support_project_id", readonly=False
    )
