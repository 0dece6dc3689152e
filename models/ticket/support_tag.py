from random import randint

from odoo import fields, models


class SupportTag(models.Model):
    _name = "support.tag"
    _description = "Ticket Tag"
    _order = "name"

    def _default_color(self):
        return randint(1, 11)

    name = fields.Char(required=True, translate=True)
    color = fields.Integer(default=_default_color)
    company_id = fields.Many2one(
        "res.company", index=True, help="Leave empty to share it between companies."
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_uniq", "unique (name)", "A tag with this name already exists."),
    ]
