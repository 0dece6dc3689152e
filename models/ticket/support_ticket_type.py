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
        "res.company",
        index=True,
        help="Leave empty to share the type between companies.",
    )
    is_default = fields.Boolean(
        string="Default Type",
        default=True,
        help="Customers without their own list of allowed types may use this type.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        "support_partner_type_rel",
        "type_id",
        "partner_id",
        string="Allowed for Customers",
        domain="[('is_company', '=', True)]",
        help="Customers whose own list of types includes this one.",
    )
    active = fields.Boolean(default=True)
    default_duration_days = fields.Integer(
        string="Default Duration (Working Days)",
        help="A new ticket of this type gets a deadline at the end of this many "
        "working days of its company's working calendar (calendar days when the "
        "company has none), counted from its start, the day of the start "
        "included. 0: no default deadline.",
    )
    ticket_properties_definition = fields.PropertiesDefinition(
        string="Ticket Custom Fields",
        help="Fields of this type's tickets, added by managers from the ticket form.",
    )

    _sql_constraints = [
        (
            "default_duration_days_positive",
            "CHECK(default_duration_days >= 0)",
            "The default duration of a type cannot be negative.",
        ),
    ]
