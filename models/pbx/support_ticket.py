import logging

from odoo import fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


class SupportTicket(models.Model):
    _inherit = "support.ticket"

    pbx_call_id = fields.Many2one(
        "support.pbx.call",
        string="Phone Call",
        index="btree_not_null",
        copy=False,
        help="The call this ticket was opened from.",
        groups="base.group_user",
    )

    def action_support_call_customer(self):
        """Click-to-call the ticket's contact, else its account."""
        self.ensure_one()
        self.env["support.pbx.call"]._check_support_can_call()
        partner = self.partner_contact_id or self.partner_id
        number = partner.mobile or partner.phone
        if not number:
            raise UserError(self.env._("The customer has no phone number."))
        return self.env["support.pbx.call"]._originate(
            number, partner=partner, ticket=self
        )
