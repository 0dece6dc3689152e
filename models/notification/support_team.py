from odoo import fields, models


class SupportTeam(models.Model):
    _inherit = "support.team"

    mail_server_id = fields.Many2one(
        "ir.mail_server",
        string="Outgoing Mail Server",
        help="Server used for the mails of this team's tickets.",
        # managers and administrators read mail servers (ir.mail_server rules)
        groups="base.group_system,support_desk.group_support_manager",
    )
