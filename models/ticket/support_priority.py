from odoo import fields, models


class SupportPriority(models.Model):
    _name = "support.priority"
    _inherit = ["support.cache.mixin"]  # the default one is cached
    _description = "Ticket Priority"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(
        default=10,
        help="Higher sequence means more urgent: lists sort tickets on it.",
    )
    color = fields.Integer(help="Colour of the priority badge on tickets.")
    company_id = fields.Many2one(
        "res.company", index=True, help="Leave empty to share it between companies."
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_uniq", "unique (name)", "A priority with this name already exists."),
    ]
