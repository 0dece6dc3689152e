from markupsafe import Markup
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import BadRequest

from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.attachment import PortalAttachmentController
from odoo.addons.portal.controllers.thread import ThreadController


class SupportThreadController(ThreadController):
    """Odoo's chatter routes (/mail/message/post) on tickets follow the
    portal's rule for text: NUL characters are removed."""

    def _prepare_post_data(self, post_data, thread, **kwargs):
        post_data = super()._prepare_post_data(post_data, thread, **kwargs)
        body = post_data.get("body")
        if thread._name == "support.ticket" and isinstance(body, str):
            post_data["body"] = Markup(str(body).replace("\x00", ""))
        return post_data


class SupportAttachmentController(PortalAttachmentController):
    """Odoo's chatter upload (/mail/attachment/upload) on tickets: a malformed
    request is a 400, not an error 500."""

    @http.route()
    def mail_attachment_upload(
        self, ufile, thread_id, thread_model, is_pending=False, **kwargs
    ):
        if thread_model == "support.ticket":
            if not isinstance(ufile, FileStorage):
                raise BadRequest(request.env._("The field ufile must hold a file."))
            if not (isinstance(thread_id, str) and thread_id.isdigit()):
                raise BadRequest(request.env._("Invalid value: %s", "thread_id"))
            name = " ".join((ufile.filename or "").replace("\x00", "").splitlines())
            ufile.filename = name.strip() or "attachment"
        return super().mail_attachment_upload(
            ufile, thread_id, thread_model, is_pending=is_pending, **kwargs
        )
