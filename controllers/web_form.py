import logging

from odoo import http
from odoo.http import request
from odoo.tools import email_normalize, plaintext2html

from .portal import MAX_TITLE_LENGTH, PortalInputError, read_uploads

_logger = logging.getLogger(__name__)

MAX_DESCRIPTION_LENGTH = 20000
# Hidden field that people never fill in and form-filling robots do.
HONEYPOT_FIELD = "website_url"


class SupportWebForm(http.Controller):
    """Public form: anybody opens a ticket with a name and an email."""

    def _web_form_values(self, post=None, error=None):
        return {
            "post": post or {},
            "error": error,
            "honeypot_field": HONEYPOT_FIELD,
            "max_attachment_mb": 10,
        }

    @http.route("/support/new", type="http", auth="public", website=True, sitemap=True)
    def support_web_form(self, **kw):
        return request.render("support_desk.support_web_form", self._web_form_values())

    def _web_form_check(self, post):
        _ = request.env._
        name = (post.get("partner_name") or "").strip()
        email = email_normalize(post.get("email") or "", strict=True)
        subject = (post.get("name") or "").strip()
        description = (post.get("description") or "").strip()
        if not name or not subject or not description:
            raise PortalInputError(
                _("Name, email, subject and description are required.")
            )
        if not email:
            raise PortalInputError(_("The email address is not valid."))
        if len(subject) > MAX_TITLE_LENGTH or len(name) > MAX_TITLE_LENGTH:
            raise PortalInputError(
                _(
                    "Name and subject must be shorter than %s characters.",
                    MAX_TITLE_LENGTH,
                )
            )
        if len(description) > MAX_DESCRIPTION_LENGTH:
            raise PortalInputError(
                _(
                    "The description must be shorter than %s characters.",
                    MAX_DESCRIPTION_LENGTH,
                )
            )
        return name, email, subject, description

    def _web_form_partner(self, name, email):
        """The partner with this email, or a new one."""
        Partner = request.env["res.partner"].sudo()
        partner = Partner.search(
            [("email_normalized", "=", email)], order="id", limit=1
        )
        if not partner:
            partner = Partner.create({"name": name, "email": email})
        return partner

    @http.route(
        "/support/new/submit",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def support_web_form_submit(self, **post):
        if post.get(HONEYPOT_FIELD):
            # Pretend success: a robot learns nothing.
            _logger.info("Support web form: honeypot filled, submission dropped.")
            return request.render("support_desk.support_web_form_thanks", {})
        try:
            name, email, subject, description = self._web_form_check(post)
            uploads = read_uploads(request.httprequest.files.getlist("attachments"))
        except PortalInputError as error:
            return request.render(
                "support_desk.support_web_form",
                self._web_form_values(post, error.message),
                status=error.status,
            )
        Submission = request.env["support.web.form.submission"].sudo()
        ip_address = request.httprequest.remote_addr or "unknown"
        if Submission._is_rate_limited(ip_address, email):
            return request.render(
                "support_desk.support_web_form",
                self._web_form_values(
                    post,
                    request.env._(
                        "Too many tickets were sent from here: "
                        "please try again in an hour."
                    ),
                ),
                status=429,
            )
        partner = self._web_form_partner(name, email)
        # No logged user: the values come from the checks above only.
        ticket = (
            request.env["support.ticket"]
            .sudo()
            .with_context(mail_create_nosubscribe=True)
            .create(
                {
                    "name": subject,
                    "description": plaintext2html(description),
                    "partner_id": partner.id,
                    "email_from": email,
                    "channel": "web",
                }
            )
        )
        ticket.message_subscribe(partner_ids=partner.ids)
        for filename, content in uploads:
            request.env["ir.attachment"].sudo().create(
                {
                    "name": filename,
                    "raw": content,
                    "res_model": "support.ticket",
                    "res_id": ticket.id,
                }
            )
        Submission.create(
            {"ip_address": ip_address, "email": email, "ticket_id": ticket.id}
        )
        template = request.env.ref(
            "support_desk.mail_template_ticket_web_ack", raise_if_not_found=False
        )
        if template:
            ticket._portal_ensure_token()
            template.sudo().send_mail(ticket.id)
        return request.render(
            "support_desk.support_web_form_thanks", {"ticket": ticket}
        )
