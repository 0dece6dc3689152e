import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

DROP_REASONS = [
    ("duplicate", "Duplicate (Message-ID already processed)"),
    ("bounce", "Delivery Failure Report"),
    ("automated", "Automatic Reply"),
    ("loop", "Mail Loop"),
    ("blacklisted", "Blacklisted Sender"),
    ("rate_limit", "Too Many Mails from the Sender"),
    ("no_route", "No Team Alias or Ticket"),
    ("error", "Processing Error"),
]


class SupportMailDrop(models.Model):
    """Incoming mails that opened or updated no ticket, with the reason.

    Nothing that reaches the gateway is lost silently: it becomes a ticket, a
    message, or a line here.
    """

    _name = "support.mail.drop"
    _description = "Dropped Incoming Mail"
    _order = "id desc"
    _rec_name = "subject"

    date = fields.Datetime(
        string="Received", default=fields.Datetime.now, readonly=True, index=True
    )
    reason = fields.Selection(DROP_REASONS, required=True, readonly=True, index=True)
    message_id = fields.Char(string="Message-ID", readonly=True, index="btree_not_null")
    email_from = fields.Char(string="From", readonly=True)
    email_to = fields.Char(string="To", readonly=True)
    subject = fields.Char(readonly=True)
    details = fields.Char(readonly=True)
    ticket_id = fields.Many2one(
        "support.ticket",
        readonly=True,
        index="btree_not_null",
        help="The ticket the mail referred to, if any.",
    )
    company_id = fields.Many2one(
        "res.company",
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )

    @api.model
    def _log_drop(self, msg_dict, reason, details=None, ticket=None):
        """Record a dropped mail; ``msg_dict`` as built by ``message_parse``."""
        msg_dict = msg_dict or {}
        _logger.info(
            "Support Desk: dropped mail from %s with Message-Id %s: %s %s",
            msg_dict.get("email_from"),
            msg_dict.get("message_id"),
            reason,
            details or "",
        )
        return self.sudo().create(
            {
                "reason": reason,
                "message_id": msg_dict.get("message_id"),
                "email_from": msg_dict.get("email_from"),
                "email_to": str(msg_dict.get("to") or "")[:1000],
                "subject": str(msg_dict.get("subject") or "")[:1000],
                "details": details,
                "ticket_id": ticket.id if ticket else False,
                "company_id": (ticket.company_id if ticket else self.env.company).id,
            }
        )
