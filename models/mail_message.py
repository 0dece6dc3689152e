from odoo import fields, models

from .support_stage import STAGE_STATES


class MailMessage(models.Model):
    _inherit = "mail.message"

    support_ticket_state = fields.Selection(
        STAGE_STATES,
        string="Ticket State",
        readonly=True,
        help="State of the ticket when the message was posted.",
    )
    support_message_kind = fields.Selection(
        [("public", "Public"), ("internal", "Internal")],
        string="Kind",
        readonly=True,
        help="Public replies reach the customer; internal notes stay in the desk.",
    )

    def action_support_quote(self):
        """Open the reply box of the message's ticket with the message quoted."""
        self.ensure_one()
        if self.model != "support.ticket" or not self.res_id:
            return False
        ticket = self.env["support.ticket"].browse(self.res_id)
        action = ticket.action_support_reply()
        action["context"]["default_quote_message_id"] = self.id
        return action
