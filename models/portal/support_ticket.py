import logging
import uuid
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, api, fields, models, tools
from odoo.exceptions import AccessError, UserError

from ..ticket.support_stage import CLOSED_STATES

_logger = logging.getLogger(__name__)


class SupportTicket(models.Model):
    _inherit = "support.ticket"

    # A token from the start: the portal's page links its neighbours with their
    # tokens (portal's get_records_pager), which would otherwise write them on
    # a page served read-only (a read replica).
    access_token = fields.Char(default=lambda self: str(uuid.uuid4()))

    def _compute_access_url(self):
        for ticket in self:
            ticket.access_url = f"/my/tickets/{ticket.id}"

    @api.model
    def _get_portal_reopen_days(self):
        """Days after closing during which the customer may reopen a ticket."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("support_desk.portal_reopen_days", "7")
        )
        try:
            return max(int(value), 0)
        except ValueError:
            return 7

    def _portal_is_customer(self, partner):
        """Whether ``partner`` is a customer of the ticket: its Account or Account
        Contact, or a contact of the Account when the Account lets its contacts
        see all its tickets. Followers and the people it is shared with are not."""
        self.ensure_one()
        ticket = self.sudo()
        if not partner:
            return False
        if partner in ticket.partner_id | ticket.partner_contact_id:
            return True
        return bool(
            ticket.partner_id
            and ticket.partner_id == partner.commercial_partner_id
            and ticket.partner_id.support_portal_company_visible
        )

    def _portal_check_change(self):
        """Refuse unless the current user may change the ticket from the portal
        (close, reopen). Reading is not enough: an access token, a follower or a
        user it is shared with only read and reply.

        Call it on the user's own record, before any change in sudo.

        :raise AccessError: when the user may not change the ticket
        """
        self.ensure_one()
        user = self.env.user
        if user._is_public():
            raise AccessError(
                self.env._(
                    "Log in to close or reopen this ticket: "
                    "the link you received only lets you read and answer it."
                )
            )
        if user._is_internal():
            # the employees' "followed or shared" rule is read only
            self.sudo(False).check_access("write")
            return
        if not self._portal_is_customer(user.partner_id):
            raise AccessError(
                self.env._("Only the ticket's customer can close or reopen it.")
            )

    def _portal_may_change(self):
        """Whether the portal shows the buttons that change the ticket."""
        try:
            self._portal_check_change()
        except AccessError:
            return False
        return True

    def _portal_can_close(self):
        self.ensure_one()
        return self.state not in CLOSED_STATES

    def _portal_can_reopen(self):
        self.ensure_one()
        if self.state != "done" or not self.date_closed:
            return False
        days = self._get_portal_reopen_days()
        return self.date_closed >= fields.Datetime.now() - timedelta(days=days)

    def _portal_close(self):
        """Close the ticket at the customer's request (called in sudo by the portal
        once ``_portal_check_change`` allowed it)."""
        stage = self.env["support.stage"].search(
            [("state", "=", "done")], order="sequence, id", limit=1
        )
        for ticket in self:
            if not ticket._portal_can_close():
                raise UserError(self.env._("This ticket is already closed."))
            ticket.stage_id = stage
            ticket.message_post(
                body=self.env._("The customer closed the ticket."),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _portal_reopen(self):
        """Reopen a ticket closed less than the configured number of days ago
        (called in sudo once ``_portal_check_change`` allowed it)."""
        stage = self._get_in_progress_stage() or self._default_stage_id()
        for ticket in self:
            if not ticket._portal_can_reopen():
                raise UserError(
                    self.env._("This ticket can no longer be reopened: open a new one.")
                )
            ticket.stage_id = stage
            ticket.message_post(
                body=self.env._("The customer reopened the ticket."),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _portal_post_customer_files(self, files, author=None, email_from=None):
        """Post the files a customer sent with a new ticket as their public
        message, without notifying anyone (the creation does): the portal shows
        the files of public messages only.

        :param files: list of (name, content) tuples
        :return: the message (sudo), or an empty recordset without files
        """
        self.ensure_one()
        Message = self.env["mail.message"].sudo()
        if not files:
            return Message
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": name,
                        "raw": content,
                        "res_model": self._name,
                        "res_id": self.id,
                    }
                    for name, content in files
                ]
            )
        )
        return Message.create(
            {
                "model": self._name,
                "res_id": self.id,
                "author_id": author.id if author else False,
                "email_from": (author.email_formatted if author else False)
                or email_from
                or self.email_from,
                "message_type": "comment",
                "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id(
                    "mail.mt_comment"
                ),
                "is_internal": False,
                "body": Markup("<p>%s</p>")
                % self.env._("Files sent with the request."),
                "attachment_ids": [Command.set(attachments.ids)],
            }
        )

    def _portal_web_confirm_token(self, email):
        """Signature of the link that proves ``email`` receives this ticket's
        mail (the confirmation of a public web form request)."""
        self.ensure_one()
        return tools.misc.hmac(
            self.env(su=True),
            "support_desk-web-confirm",
            (self.id, tools.email_normalize(email or "") or ""),
        )

    def _portal_web_confirm_url(self):
        self.ensure_one()
        token = self._portal_web_confirm_token(self.email_from)
        return f"{self.get_base_url()}/support/confirm/{self.id}/{token}"

    def _portal_web_confirm_partner(self):
        """The partner a confirmed web form request is attached to: the first
        one with the sender's address."""
        self.ensure_one()
        email = tools.email_normalize(self.email_from or "")
        if not email:
            return self.env["res.partner"]
        return (
            self.env["res.partner"]
            .sudo()
            .search([("email_normalized", "=", email)], order="id", limit=1)
        )

    def _portal_web_confirm_check(self, token):
        """:raise AccessError: unless ``token`` is this web request's
        confirmation token"""
        self.ensure_one()
        ticket = self.sudo()
        if (
            ticket.channel != "web"
            or not isinstance(token, str)
            or not token.isascii()
            or not tools.consteq(
                token, ticket._portal_web_confirm_token(ticket.email_from)
            )
        ):
            raise AccessError(self.env._("This confirmation link is not valid."))

    def _portal_web_confirm(self, token):
        """Attach a web form request to the customer whose address received its
        confirmation link; visiting the link twice changes nothing.

        :raise AccessError: for a wrong token
        :raise UserError: when the ticket already belongs to another customer
        """
        self.ensure_one()
        self._portal_web_confirm_check(token)
        ticket = self.sudo()
        partner = ticket._portal_web_confirm_partner()
        if not partner:
            raise UserError(self.env._("No customer has this address any more."))
        if ticket.partner_id:
            if ticket.partner_id == partner.commercial_partner_id:
                return True
            raise UserError(
                self.env._("This request is already linked to another customer.")
            )
        ticket.write({"partner_id": partner.id})
        ticket.message_subscribe(partner_ids=partner.ids)
        ticket._message_log(
            body=self.env._(
                "The sender confirmed the address %s: the request is linked to "
                "their account.",
                ticket.email_from,
            ),
            author_id=self.env.ref("base.partner_root").id,
        )
        return True

    def _portal_send_web_confirmation(self):
        """Mail the sender of a web form request made with the address of an
        existing customer the link that attaches it to their account."""
        QWeb = self.env["ir.qweb"]
        self.env["mail.mail"].sudo().create(
            [
                {
                    "subject": self.env._(
                        "[%(number)s] Confirm your request: %(title)s",
                        number=ticket.number,
                        title=ticket.name,
                    ),
                    "body_html": QWeb._render(
                        "support_desk.support_web_form_confirm_mail",
                        {
                            "ticket": ticket,
                            "confirm_url": ticket._portal_web_confirm_url(),
                        },
                    ),
                    **ticket._support_sender_mail_vals(),
                }
                for ticket in self
            ]
        )

    def _get_portal_messages(self):
        """Messages a customer may see: public comments and mails, never notes."""
        self.ensure_one()
        return self.sudo().message_ids.filtered(
            lambda m: m._support_is_portal_visible()
        )

    def _get_portal_attachments(self):
        """Attachments of the ticket a customer may see: those of the messages
        they see (replies, mails, and the files they sent). Files added in the
        back office (the Attachments tab, internal notes, printed reports) stay
        internal."""
        self.ensure_one()
        return self._get_portal_messages().attachment_ids

    def _get_mail_thread_data_attachments(self):
        # The chatter's attachment box (/mail/thread/data) of a customer or a
        # token holder lists what the portal shows, not the staff's files.
        attachments = super()._get_mail_thread_data_attachments()
        if self.env.user._is_internal():
            return attachments
        return attachments & self._get_portal_attachments()

    @api.model
    def _get_thread_with_access(self, thread_id, mode="read", **kwargs):
        # A malformed token, hash or pid (Odoo's /mail/* routes) is no
        # access, not an error 500 (non-ASCII tokens break consteq).
        for key in ("token", "hash"):
            value = kwargs.get(key)
            if value is not None and not (isinstance(value, str) and value.isascii()):
                kwargs.pop(key)
        pid = kwargs.get("pid")
        if pid is not None and not (
            isinstance(pid, int) or (isinstance(pid, str) and pid.isdigit())
        ):
            kwargs.pop("pid")
        if isinstance(thread_id, str) and thread_id.isdigit():
            thread_id = int(thread_id)
        if not isinstance(thread_id, int) or not 0 < thread_id < 2**31:
            return self.browse()
        return super()._get_thread_with_access(thread_id, mode=mode, **kwargs)

    def _get_report_messages(self):
        """Messages of the printed sheet: the conversation with its internal notes
        for internal users, what the customer sees for the others."""
        self.ensure_one()
        self.check_access("read")
        if not self.env.user._is_internal():
            return self._get_portal_messages().sorted("date")
        return self.support_message_ids.filtered(
            lambda m: m.body or m.attachment_ids
        ).sorted("date")

    def _get_report_base_filename(self):
        self.ensure_one()
        return f"{self.number} - {self.name}"
