from odoo import fields, models

STAGE_STATES = [
    ("new", "New"),
    ("in_progress", "In Progress"),
    ("on_hold", "On Hold"),
    ("done", "Closed"),
    ("cancelled", "Cancelled"),
]
CLOSED_STATES = ("done", "cancelled")


class SupportStage(models.Model):
    _name = "support.stage"
    _description = "Ticket Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    state = fields.Selection(
        STAGE_STATES,
        required=True,
        default="in_progress",
        help="What the stage means for the ticket: SLA, closing and reporting rely "
        "on it, whatever the stage is called.",
    )
    fold = fields.Boolean(string="Folded in Kanban")
    is_take_charge = fields.Boolean(
        string="Take-in-charge Stage",
        help="New tickets move to this stage when an agent takes them in charge.",
    )
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        "res.company", index=True, help="Leave empty to share it between companies."
    )
    active = fields.Boolean(default=True)
