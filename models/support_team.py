from odoo import api, fields, models


class SupportTeam(models.Model):
    _name = "support.team"
    _inherit = ["mail.thread"]
    _description = "Support Team"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    color = fields.Integer()
    description = fields.Html(translate=True)
    user_id = fields.Many2one(
        "res.users",
        string="Team Leader",
        domain="[('share', '=', False)]",
        tracking=True,
    )
    member_ids = fields.Many2many(
        "res.users",
        "support_team_member_rel",
        "team_id",
        "user_id",
        string="Members",
        domain="[('share', '=', False)]",
    )
    default_type_id = fields.Many2one("support.ticket.type", string="Default Type")
    default_priority_id = fields.Many2one("support.priority", string="Default Priority")
    ticket_ids = fields.One2many("support.ticket", "team_id", string="Tickets")
    open_ticket_count = fields.Integer(compute="_compute_open_ticket_count")

    @api.depends("ticket_ids.state")
    def _compute_open_ticket_count(self):
        counts = dict(
            self.env["support.ticket"]._read_group(
                [
                    ("team_id", "in", self.ids),
                    ("state", "not in", ("done", "cancelled")),
                ],
                ["team_id"],
                ["__count"],
            )
        )
        for team in self:
            team.open_ticket_count = counts.get(team, 0)

    def action_view_open_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_desk.support_ticket_action"
        )
        action["domain"] = [("team_id", "=", self.id)]
        action["context"] = {
            "default_team_id": self.id,
            "search_default_filter_open": 1,
        }
        return action
