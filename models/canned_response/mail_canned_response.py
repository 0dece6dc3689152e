from odoo import fields, models


class MailCannedResponse(models.Model):
    """Canned responses translatable, so the shipped replies reach the .po files.

    The composer inserts ``substitution`` as it reads it, in the agent's
    language; Odoo 18 renders no placeholders in it.
    """

    _inherit = "mail.canned.response"

    substitution = fields.Text(translate=True)
    description = fields.Char(translate=True)
