from odoo import api, fields, models, tools

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
    _inherit = ["support.cache.mixin"]
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

    @api.model
    @tools.ormcache("tuple(self.env.companies.ids)")
    def _get_new_stage_id(self):
        """The stage new tickets start in, among the user's companies' stages:
        read for every ticket opened, so cached for the server (any change to a
        stage clears it), with the company rule's domain as the cache is shared."""
        company_ids = self.env.companies.ids
        return (
            self.sudo()
            .search(
                [("state", "=", "new"), ("company_id", "in", [False, *company_ids])],
                limit=1,
            )
            .id
        )
