from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime, is_html_empty

from ..models.ticket.support_stage import CLOSED_STATES

REPLY_STATES = [
    ("in_progress", "In Progress"),
    ("done", "Closed"),
    ("cancelled", "Cancelled"),
]


class SupportTicketReply(models.TransientModel):
    """The reply box: message, recipients, SLA pause, state and assignee at once."""

    _name = "support.ticket.reply"
    _description = "Ticket Reply"

    ticket_id = fields.Many2one("support.ticket", required=True, ondelete="cascade")
    kind = fields.Selection(
        [("public", "Reply to the Customer"), ("internal", "Internal Note")],
        required=True,
        default="public",
    )
    body = fields.Html(
        string="Message", compute="_compute_body", store=True, readonly=False
    )
    quote_message_id = fields.Many2one(
        "mail.message",
        string="Quote",
        domain="[('model', '=', 'support.ticket'), ('res_id', '=', ticket_id), "
        "('message_type', 'in', ('comment', 'email'))]",
        help="Message to quote at the top of the reply.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Extra Recipients",
        help="Also send the message to these contacts.",
    )
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "support_ticket_reply_attachment_rel",
        "reply_id",
        "attachment_id",
        string="Attachments",
    )
    pause_sla = fields.Boolean(
        string="Pause the SLA",
        help="Stop the SLA clock until the customer replies or the stage changes.",
    )
    new_state = fields.Selection(REPLY_STATES, string="Move to")
    # Not in sudo: the scope is the current user's.
    can_assign = fields.Boolean(related="ticket_id.can_assign", related_sudo=False)
    allowed_assign_user_ids = fields.Many2many(
        related="ticket_id.allowed_assign_user_ids", related_sudo=False
    )
    user_id = fields.Many2one(
        "res.users",
        string="Reassign to",
        domain="[('id', 'in', allowed_assign_user_ids)]",
    )
    has_sla = fields.Boolean(compute="_compute_has_sla")

    @api.depends("quote_message_id")
    def _compute_body(self):
        for wizard in self:
            message = wizard.quote_message_id
            if not message:
                wizard.body = wizard.body or False
                continue
            header = self.env._(
                "On %(date)s, %(author)s wrote:",
                date=format_datetime(self.env, message.date),
                author=message.author_id.name or message.email_from or "",
            )
            quote = Markup("<p>%s</p><blockquote>%s</blockquote><p><br></p>") % (
                header,
                message.body or "",
            )
            wizard.body = Markup(wizard.body or "") + quote

    @api.depends("ticket_id")
    def _compute_has_sla(self):
        for wizard in self:
            wizard.has_sla = wizard.ticket_id.sla_status in ("ongoing", "failed")

    def action_quote_last_customer_message(self):
        """Quote the last message written by someone outside the desk."""
        self.ensure_one()
        messages = self.ticket_id.support_message_ids.filtered(
            lambda m: not m.author_id.user_ids or m.author_id.user_ids[:1].share
        )
        if not messages:
            raise UserError(self.env._("The customer has not written yet."))
        self.quote_message_id = messages.sorted("id")[-1]
        return self._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Reply"),
        }

    def _get_stage(self, state):
        return self.env["support.stage"].search(
            [("state", "=", state)], order="sequence, id", limit=1
        )

    def action_send(self):
        self.ensure_one()
        ticket = self.ticket_id
        ticket.check_access("read")
        if is_html_empty(self.body) and not self.attachment_ids:
            raise UserError(self.env._("Write a message or attach a file."))
        if self.kind == "internal":
            outsiders = self.partner_ids.filtered(
                lambda p: not any(not user.share for user in p.sudo().user_ids)
            )
            if outsiders:
                raise UserError(
                    self.env._(
                        "An internal note stays inside the desk: %s cannot get it.",
                        ", ".join(outsiders.mapped("display_name")),
                    )
                )
        if self.pause_sla and self.new_state in CLOSED_STATES:
            raise UserError(
                self.env._("The SLA of a ticket being closed cannot be paused.")
            )
        if self.user_id and self.user_id != ticket.user_id:
            # The ticket's write checks who may assign to whom.
            ticket.write({"user_id": self.user_id.id})
        if self.new_state and self.new_state != ticket.state:
            stage = self._get_stage(self.new_state)
            if not stage:
                raise UserError(self.env._("No stage has the state you chose."))
            ticket.write({"stage_id": stage.id})
        # Files uploaded in the box belong to the wizard: hand them to the ticket.
        self.attachment_ids.filtered(
            lambda a: a.res_model == self._name and a.create_uid == self.env.user
        ).sudo().write({"res_model": ticket._name, "res_id": ticket.id})
        ticket.message_post(
            body=self.body or "",
            message_type="comment",
            subtype_xmlid=(
                "mail.mt_note" if self.kind == "internal" else "mail.mt_comment"
            ),
            partner_ids=self.partner_ids.ids,
            attachment_ids=self.attachment_ids.ids,
        )
        if self.pause_sla:
            ticket.action_pause_sla()
        return {"type": "ir.actions.act_window_close"}
