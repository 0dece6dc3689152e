from odoo import fields, models


class SupportTicketType(models.Model):
    _name = "support.ticket.type"
    _description = "Ticket Type"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    team_id = fields.Many2one(
        "support.team",
        string="Routed to Team",
        help="New tickets of this type go to this team.",
    )
    company_id = fields.Many2one(
        "res.company", index=True, help="Leave empty to share the type between companies."
    )
    active = fields.Boolean(default=True)
