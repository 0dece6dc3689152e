from odoo import models
from odoo.exceptions import AccessError


def _is_token(value):
    """Whether ``value`` can be compared with consteq, which raises a TypeError
    (an error 500) on non-ASCII text."""
    return isinstance(value, str) and value.isascii()


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def validate_access(self, access_token):
        # /web/content/<id>?access_token=é is a wrong token, not an error 500.
        if access_token and not _is_token(access_token):
            raise AccessError(self.env._("Invalid access token"))
        return super().validate_access(access_token)

    def _check_attachments_access(self, attachment_tokens):
        # attachment_tokens of Odoo's /mail/message/post: same rule
        if attachment_tokens and isinstance(attachment_tokens, list):
            attachment_tokens = [
                token if token is None or _is_token(token) else ""
                for token in attachment_tokens
            ]
        return super()._check_attachments_access(attachment_tokens)
