import logging

from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request
from odoo.tools import email_normalize, plaintext2html

from .portal_input import (
    MAX_DESCRIPTION_LENGTH,
    MAX_ID,
    MAX_TITLE_LENGTH,
    PortalInputError,
    check_text_fields,
    clean_text,
    clean_token,
    read_uploads,
)
from .replica import is_replica_read, remember_write

_logger = logging.getLogger(__name__)

# Hidden field that people never fill in and form-filling robots do.
HONEYPOT_FIELD = "website_url"


class SupportWebForm(http.Controller):
    """Public form: anybody opens a ticket with a name and an email.

    Nobody is proven to own the address they type: a request made with the
    address of an existing customer reaches that customer's account only once
    the link mailed to the address is followed, and it never changes the
    customer.
    """

    def _web_form_values(self, post=None, error=None):
        post = {
            key: clean_text(value, multiline=True)
            for key, value in (post or {}).items()
            if isinstance(value, str)
        }
        return {
            "post": post,
            "error": error,
            "honeypot_field": HONEYPOT_FIELD,
            "max_attachment_mb": 10,
        }

    @http.route(
        "/support/new",
        type="http",
        auth="public",
        website=True,
        sitemap=True,
        readonly=is_replica_read,
    )
    def support_web_form(self, **kw):
        return request.render("support_desk.support_web_form", self._web_form_values())

    def _web_form_check(self, post):
        _ = request.env._
        check_text_fields(post)
        name = clean_text(post.get("partner_name"))
        email = email_normalize(clean_text(post.get("email")), strict=True)
        subject = clean_text(post.get("name"))
        description = clean_text(post.get("description"), multiline=True)
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
        """The customer of the request: a new partner for an unknown address;
        none for the address of an existing partner, whose account gets the
        request only when the address is confirmed.

        :return: (partner, existing partner awaiting the confirmation)
        """
        Partner = request.env["res.partner"].sudo()
        existing = Partner.search(
            [("email_normalized", "=", email)], order="id", limit=1
        )
        if existing:
            return Partner, existing
        # Name and address only: never linked to a company by its domain.
        return Partner.create({"name": name, "email": email}), Partner

    def _web_form_ticket_vals(self, partner, email, subject, description):
        return {
            "name": subject,
            "description": plaintext2html(description),
            "partner_id": partner.id,
            "email_from": email,
            "channel": "web",
        }

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
        partner, pending_partner = self._web_form_partner(name, email)
        # No logged user: the values come from the checks above only.
        ticket = (
            request.env["support.ticket"]
            .sudo()
            .with_context(mail_create_nosubscribe=True)
            .create(self._web_form_ticket_vals(partner, email, subject, description))
        )
        if partner:
            ticket.message_subscribe(partner_ids=partner.ids)
        ticket._portal_post_customer_files(
            uploads, author=partner or None, email_from=email
        )
        Submission.create(
            {"ip_address": ip_address, "email": email, "ticket_id": ticket.id}
        )
        self._web_form_tell_sender(ticket, email, pending_partner)
        return request.render(
            "support_desk.support_web_form_thanks",
            {"ticket": ticket, "pending": bool(pending_partner)},
        )

    def _web_form_tell_sender(self, ticket, email, pending_partner):
        """Mail the sender: the confirmation link when the address is an
        existing customer's, else the acknowledgement (same settings as every
        acknowledgement: Settings > Helpdesk)."""
        if pending_partner:
            ticket._message_log(
                body=request.env._(
                    "Sent from the web form with the address of an existing "
                    "customer (%s): it joins their account once the sender "
                    "confirms the address with the link mailed to it.",
                    email,
                ),
                author_id=request.env.ref("base.partner_root").id,
            )
            if not ticket._support_is_blacklisted(email, "notify"):
                ticket._portal_send_web_confirmation()
        elif ticket._support_may_acknowledge():
            # The same settings as every acknowledgement (Settings > Helpdesk).
            ticket._support_send_web_acknowledgement()

    # ------------------------------------------------------------------
    # Confirmation of the address
    # ------------------------------------------------------------------

    def _web_confirm_ticket(self, ticket_id, token):
        """The ticket (sudo) whose confirmation link this is.

        :raise werkzeug.exceptions.HTTPException: 404 for no such web request,
            403 for a wrong token (checked again when confirming)
        """
        if not 0 < ticket_id <= MAX_ID:
            raise NotFound()
        ticket = request.env["support.ticket"].sudo().browse(ticket_id).exists()
        if not ticket or ticket.channel != "web":
            raise NotFound()
        try:
            ticket._portal_web_confirm_check(clean_token(token))
        except AccessError as error:
            raise Forbidden(str(error)) from None
        return ticket

    @http.route(
        "/support/confirm/<int:ticket_id>/<string:token>",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        sitemap=False,
        readonly=is_replica_read,
    )
    def support_web_form_confirm(self, ticket_id, token, **kw):
        """GET shows what is confirmed, POST (the page's button) attaches the
        request: a mail scanner following links changes nothing."""
        ticket = self._web_confirm_ticket(ticket_id, token)
        if request.httprequest.method != "POST":
            return request.render(
                "support_desk.support_web_form_confirm",
                {"ticket": ticket, "token": token},
            )
        try:
            ticket._portal_web_confirm(token)
        except UserError as error:
            return request.render(
                "support_desk.support_web_form_confirm",
                {"ticket": ticket, "token": token, "error": str(error)},
                status=409,
            )
        ticket._portal_ensure_token()
        remember_write()
        return request.redirect(
            f"/my/tickets/{ticket.id}?access_token={ticket.access_token}"
        )
