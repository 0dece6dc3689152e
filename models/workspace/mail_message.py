from odoo import fields, models

from ..ticket.support_stage import STAGE_STATES


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

    incoming_email_to = fields.Text(
        string="Received To", readonly=True, help="To of the incoming mail."
    )
    incoming_email_cc = fields.Text(
        string="Received Cc", readonly=True, help="Cc of the incoming mail."
    )

    def init(self):
        res = super().init()
        # The per-sender hourly limit of the mail gateway reads the last hour of
        # incoming ticket mails only.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS support_mail_message_ticket_email_date_idx
                ON mail_message (create_date)
             WHERE model = 'support.ticket' AND message_type = 'email'
            """
        )
        return res

    def action_support_quote(self):
        """Open the reply box of the message's ticket with the message quoted."""
        self.ensure_one()
        if self.model != "support.ticket" or not self.res_id:
            return False
        ticket = self.env["support.ticket"].browse(self.res_id)
        action = ticket.action_support_reply()
        action["context"]["default_quote_message_id"] = self.id
        return action
