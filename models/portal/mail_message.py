from odoo import api, models


class MailMessage(models.Model):
    _inherit = "mail.message"

    @api.model_create_multi
    def create(self, vals_list):
        messages = super().create(vals_list)
        messages._support_tokenize_attachments()
        return messages

    def _support_is_portal_visible(self):
        """Whether a customer sees this message of a ticket: public comments
        and mails, never notes."""
        self.ensure_one()
        return bool(
            self.message_type in ("comment", "email", "email_outgoing")
            and not self.is_internal
            and not self.subtype_id.internal
            and (self.body or self.attachment_ids)
        )

    def _support_tokenize_attachments(self):
        """The files a customer will see on a ticket's page get their download
        token when posted, not when the page first shows them: that page is
        served read-only (a read replica)."""
        # sudo: bookkeeping on files the poster attached, whoever may read them
        attachments = (
            self.sudo()
            .filtered(
                lambda m: m.model == "support.ticket" and m._support_is_portal_visible()
            )
            .attachment_ids.filtered(lambda a: not a.access_token)
        )
        attachments.generate_access_token()
