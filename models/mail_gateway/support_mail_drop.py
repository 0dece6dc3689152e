import base64
import logging
from datetime import timedelta
from email.errors import MessageError

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

DROP_REASONS = [
    ("duplicate", "Duplicate (Message-ID already processed)"),
    ("bounce", "Delivery Failure Report"),
    ("automated", "Automatic Reply"),
    ("loop", "Mail Loop"),
    ("blacklisted", "Blacklisted Sender"),
    ("rate_limit", "Too Many Mails from the Sender"),
    ("not_allowed", "Sender Not Allowed on the Referenced Ticket"),
    ("no_route", "No Team Alias or Ticket"),
    ("error", "Processing Error"),
]
# ir.config_parameter: days a dropped mail keeps its raw source.
RETENTION_PARAM = "support_desk.mail_drop_retention_days"
RETENTION_DEFAULT = 30


class SupportMailDrop(models.Model):
    """Incoming mails that opened or updated no ticket, with the reason.

    Nothing that reaches the gateway is lost silently: it becomes a ticket, a
    message, or a line here with the raw mail, which a manager can restore as
    a ticket. The raw mail is kept for a bounded time (``RETENTION_PARAM``).
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
    raw_mail = fields.Binary(
        attachment=True,
        readonly=True,
        groups="support_desk.group_support_manager",
        help="The mail as received, kept for a number of days set in the settings.",
    )
    raw_mail_name = fields.Char(
        string="Raw Mail File Name",
        readonly=True,
        groups="support_desk.group_support_manager",
    )
    restored_ticket_id = fields.Many2one(
        "support.ticket",
        string="Restored as",
        readonly=True,
        index="btree_not_null",
        help="The ticket the mail was restored into.",
    )

    @api.model
    def _log_drop(self, msg_dict, reason, details=None, ticket=None, raw=None):
        """Record a dropped mail; ``msg_dict`` as built by ``message_parse``,
        ``raw`` the mail's bytes as received."""
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
                "raw_mail": base64.b64encode(raw) if raw else False,
                "raw_mail_name": "mail.eml" if raw else False,
            }
        )

    # Actions ------------------------------------------------------------------

    def action_restore(self):
        """Run the raw mail through the gateway again as a ticket: onto the
        ticket it refers to when its sender is allowed there, else a new one.
        The noise filters that dropped it are skipped, never the check of the
        sender."""
        self.ensure_one()
        self.check_access("write")
        self._check_restorable()
        drop = self.sudo()
        try:
            # All or nothing: a mail that cannot be restored leaves no half ticket.
            with self.env.cr.savepoint():
                ticket = (
                    self.env["mail.thread"]
                    .sudo()
                    ._support_mail_restore(base64.b64decode(drop.raw_mail))
                )
        except (ValueError, TypeError, LookupError, MessageError) as error:
            raise UserError(
                self.env._("This mail cannot be restored: %(error)s", error=error)
            ) from error
        drop.restored_ticket_id = ticket
        return {
            "type": "ir.actions.act_window",
            "res_model": "support.ticket",
            "res_id": ticket.id,
            "view_mode": "form",
        }

    def _check_restorable(self):
        for drop in self.sudo():
            if drop.restored_ticket_id:
                raise UserError(
                    self.env._(
                        "This mail was already restored as ticket %(ticket)s.",
                        ticket=drop.restored_ticket_id.display_name,
                    )
                )
            if not drop.raw_mail:
                raise UserError(
                    self.env._(
                        "This dropped mail has no raw mail to restore (kept only "
                        "for a number of days, see the Helpdesk settings)."
                    )
                )

    # Retention ----------------------------------------------------------------

    @api.model
    def _cron_purge_raw_mails(self):
        """Delete the raw mails of drops older than the retention period; the
        drops themselves stay (reason, sender, subject)."""
        limit = fields.Datetime.now() - timedelta(days=self._raw_mail_retention_days())
        old = self.sudo()._search([("date", "<", limit)])
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_field", "=", "raw_mail"),
                    ("res_id", "in", old),
                ]
            )
        )
        attachments.unlink()
        return len(attachments)

    @api.model
    def _raw_mail_retention_days(self):
        value = (
            self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM) or ""
        ).strip()
        try:
            days = int(value) if value else RETENTION_DEFAULT
        except ValueError:
            days = RETENTION_DEFAULT
        # Bounded: at least a day, whatever the setting says.
        return max(days, 1)
