from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    support_pbx_token = fields.Char(
        string="PBX Token",
        groups="base.group_system",
        copy=False,
        help="Secret the phone system sends with every call event.",
    )
    support_pbx_originate_url = fields.Char(
        string="Click-to-Call URL",
        help="Called to start a call from an extension, e.g. "
        "https://pbx.example.com/originate?ext={extension}&to={number}",
    )
    support_pbx_originate_method = fields.Selection(
        [("GET", "GET"), ("POST", "POST")],
        string="Click-to-Call Method",
        default="POST",
    )
    support_pbx_auth_header = fields.Char(
        string="Click-to-Call Header",
        groups="base.group_system",
        help="One header sent with the request, e.g. 'Authorization: Bearer secret'.",
    )
    support_pbx_timeout = fields.Integer(string="Click-to-Call Timeout (s)", default=5)
    support_pbx_country_id = fields.Many2one(
        "res.country",
        string="Phone Numbers Country",
        help="Country of numbers written without their international prefix; the "
        "company's country when empty.",
    )

    def _support_pbx_country(self):
        self.ensure_one()
        return self.support_pbx_country_id or self.country_id
