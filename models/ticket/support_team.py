from odoo import api, fields, models


class SupportTeam(models.Model):
    _name = "support.team"
    _inherit = ["mail.thread", "mail.alias.mixin", "rating.parent.mixin"]
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
    default_type_id = fields.Many2one("support.ticket.type")
    default_priority_id = fields.Many2one("support.priority")
    portal_priority = fields.Boolean(
        string="Customers Choose the Priority",
        help="Customers may choose the priority of the tickets they open from the "
        "portal for this team.",
    )
    ticket_ids = fields.One2many("support.ticket", "team_id", string="Tickets")

    @api.model_create_multi
    def create(self, vals_list):
        teams = super().create(vals_list)
        # Record rules read the user's teams: their cache must follow membership.
        self.env.registry.clear_cache()
        return teams

    def write(self, vals):
        res = super().write(vals)
        if "member_ids" in vals or "company_id" in vals:
            self.env.registry.clear_cache()
        return res

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

    # Mail alias --------------------------------------------------------------
