from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    support_type_ids = fields.Many2many(
        "support.ticket.type",
        "support_partner_type_rel",
        "partner_id",
        "type_id",
        string="Allowed Ticket Types",
        help="Ticket types this company may use. Leave empty to use the default types.",
    )
    support_ticket_ids = fields.One2many(
        "support.ticket", "partner_id", string="Tickets"
    )
    support_ticket_count = fields.Integer(
        string="Ticket Count", compute="_compute_support_ticket_count"
    )

    def _compute_support_ticket_count(self):
        counts = dict(
            self.env["support.ticket"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.support_ticket_count = counts.get(partner.commercial_partner_id, 0)

    def action_view_support_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_desk.support_ticket_action"
        )
        company = self.commercial_partner_id
        action["domain"] = [("partner_id", "=", company.id)]
        action["context"] = {"default_partner_id": company.id}
        return action

    def _get_support_allowed_types(self):
        """Types this customer may use: its company's list, else the default types."""
        self.ensure_one()
        company = self.commercial_partner_id
        allowed = company.sudo().support_type_ids
        if allowed:
            return allowed
        return (
            self.env["support.ticket.type"].sudo().search([("is_default", "=", True)])
        )
