from odoo import api, fields, models


class MaintenanceEquipment(models.Model):
    _inherit = "maintenance.equipment"

    support_partner_id = fields.Many2one(
        "res.partner",
        string="Installed at Customer",
        index="btree_not_null",
        domain="[('parent_id', '=', False)]",
        help="The customer this asset is installed at.",
    )
    support_contract_id = fields.Many2one(
        "support.contract",
        string="Service Contract",
        index="btree_not_null",
        domain="[('partner_id', '=', support_partner_id)]",
    )

    @api.onchange("support_contract_id")
    def _onchange_support_contract_id(self):
        if self.support_contract_id and not self.support_partner_id:
            self.support_partner_id = self.support_contract_id.partner_id
