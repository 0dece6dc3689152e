import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


class SupportTicket(models.Model):
    _inherit = "support.ticket"

    # Links
    equipment_id = fields.Many2one(
        "maintenance.equipment",
        string="Asset",
        index="btree_not_null",
        check_company=True,
    )
    contract_id = fields.Many2one(
        "support.contract",
        compute="_compute_contract_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        tracking=True,
        check_company=True,
        domain="[('state', '=', 'active'), "
        "('partner_id', 'in', (partner_id, final_partner_id))]",
        groups="base.group_user",
    )

    @api.depends("partner_id", "final_partner_id", "equipment_id")
    def _compute_contract_id(self):
        Contract = self.env["support.contract"]
        # One search per customer (and asset) of the batch, not per ticket.
        found = {}
        for ticket in self:
            key = (ticket.partner_id, ticket.final_partner_id, ticket.equipment_id)
            if key not in found:
                found[key] = Contract._find_for_ticket(*key)
            ticket.contract_id = found[key]
