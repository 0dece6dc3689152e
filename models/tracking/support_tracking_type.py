from odoo import fields, models


class SupportTrackingType(models.Model):
    _name = "support.tracking.type"
    _description = "Tracking Type"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True)
    description = fields.Text(translate=True)

    _sql_constraints = [
        (
            "name_company_uniq",
            "unique (name, company_id)",
            "A tracking type with this name already exists.",
        ),
    ]
