import email
import re

from odoo import api, models, tools

# Headers and senders of mails written by machines (RFC 3834 and common practice).
AUTOMATED_SENDER_RE = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|"
    r"auto-?reply|autoresponder)([+.\-_].*)?@",
    re.IGNORECASE,
)
AUTOMATED_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
# A ticket number in brackets: [T00042] (any sequence prefix ending in digits).
TICKET_REF_RE = re.compile(r"\[([A-Z][A-Z0-9/._-]{0,19}\d)\]")


class MailThread(models.AbstractModel):
    """Mail gateway hooks of the desk: routing, noise filtering, logged drops.

    ``message_process`` keeps, in the context, a holder for the parsed mail and
    the reason it was dropped; whatever produced neither a ticket nor a message
    is recorded in ``support.mail.drop``.
    """

    _inherit = "mail.thread"

    @api.model
    def message_process(
        self,
        model,
        message,
        custom_values=None,
        save_original=False,
        strip_attachments=False,
        thread_id=None,
    ):
        holder = {}
        try:
            # A failing mail leaves nothing half-done, and a trace in the drops
            # (the mail fetcher marks it read and goes on).
            with self.env.cr.savepoint():
                result = super(
                    MailThread, self.with_context(support_mail_holder=holder)
                ).message_process(
                    model,
                    message,
                    custom_values=custom_values,
                    save_original=save_original,
                    strip_attachments=strip_attachments,
                    thread_id=thread_id,
                )
        except Exception as error:
            if holder.get("msg_dict") is not None:
                holder.update(reason="error", details=repr(error)[:200])
                self._support_log_drop(holder)
            raise
        if not result and holder.get("msg_dict") is not None:
            self._support_log_drop(holder)
        return result

    @api.model
    def message_parse(self, message, save_original=False):
        msg_dict = super().message_parse(message, save_original=save_original)
        holder = self.env.context.get("support_mail_holder")
        if holder is not None and "msg_dict" not in holder:
            holder.update(msg_dict=msg_dict, message=message)
        return msg_dict

    def _message_parse_extract_payload(
        self, message, message_dict, save_original=False
    ):
        # A mail forwarded as an attachment (message/rfc822): Odoo walks into it
        # and the forwarded HTML replaces the sender's own text. Keep the outer
        # body and attach the forwarded mail as an .eml file.
        if message_dict.get("is_bounce") or not message.is_multipart():
            return super()._message_parse_extract_payload(
                message, message_dict, save_original=save_original
            )
        forwarded = [
            part
            for part in message.walk()
            if part.get_content_type() == "message/rfc822"
        ]
        if not forwarded:
            return super()._message_parse_extract_payload(
                message, message_dict, save_original=save_original
            )
        outer = email.message_from_bytes(message.as_bytes(), policy=message.policy)
        for part in [
            p for p in outer.walk() if p.get_content_type() == "message/rfc822"
        ]:
            inner = part.get_payload(0)
            name = part.get_filename() or (
                str(inner.get("Subject") or "forwarded")[:60] + ".eml"
            )
            raw = inner.as_bytes()
            part.clear_content()
            part.set_content(
                raw,
                maintype="application",
                subtype="octet-stream",
                disposition="attachment",
                filename=name,
            )
        return super()._message_parse_extract_payload(
            outer, message_dict, save_original=save_original
        )

    @api.model
    def message_route(
        self, message, message_dict, model=None, thread_id=None, custom_values=None
    ):
        try:
            routes = super().message_route(
                message,
                message_dict,
                model=model,
                thread_id=thread_id,
                custom_values=custom_values,
            )
        except ValueError as error:
            if self.env.context.get("support_mail_holder") is None:
                raise
            # Sent to no alias (e.g. a fetched mailbox): a ticket reference may
            # still name the ticket.
            routes = self.env["support.ticket"]._support_mail_unrouted(
                message, message_dict
            )
            if not routes:
                self._support_drop_reason("no_route", str(error)[:200])
                return []
        if not any(route[0] == "support.ticket" for route in routes):
            return routes
        return self.env["support.ticket"]._support_mail_route(
            message, message_dict, routes
        )

    @api.model
    def _message_route_process(self, message, message_dict, routes):
        holder = self.env.context.get("support_mail_holder") or {}
        if holder.get("automated"):
            # Automatic replies land as internal notes and notify nobody.
            self = self.with_context(support_mail_automated=True)
        return super()._message_route_process(message, message_dict, routes)

    @api.model
    def _routing_handle_bounce(self, email_message, message_dict):
        self._support_drop_reason("bounce", message_dict.get("bounced_email"))
        return super()._routing_handle_bounce(email_message, message_dict)

    @api.model
    def _detect_loop_headers(self, msg_dict):
        looping = super()._detect_loop_headers(msg_dict)
        if looping:
            self._support_drop_reason("loop", "reply to a bounce notification")
        return looping

    @api.model
    def _detect_loop_sender(self, message, message_dict, routes):
        looping = super()._detect_loop_sender(message, message_dict, routes)
        if looping:
            self._support_drop_reason("loop", "Odoo's loop limit for this sender")
        return looping

    @api.model
    def _detect_write_to_catchall(self, msg_dict):
        catchall = super()._detect_write_to_catchall(msg_dict)
        if catchall:
            self._support_drop_reason("no_route", "written to the catchall address")
        return catchall

    # Helpers ------------------------------------------------------------------

    @api.model
    def _support_drop_reason(self, reason, details=None):
        holder = self.env.context.get("support_mail_holder")
        if holder is not None and not holder.get("reason"):
            holder.update(reason=reason, details=details)

    @api.model
    def _support_log_drop(self, holder):
        msg_dict = holder["msg_dict"]
        reason = holder.get("reason")
        if not reason:
            if msg_dict.get("message_id") and self.env[
                "mail.message"
            ].sudo().search_count(
                [("message_id", "=", msg_dict["message_id"])], limit=1
            ):
                reason = "duplicate"
            else:
                reason = "no_route"
        self.env["support.mail.drop"]._log_drop(
            msg_dict, reason, details=holder.get("details"), ticket=holder.get("ticket")
        )

    @api.model
    def _support_mail_automated_reason(self, message, message_dict):
        """Why this mail was written by a machine, or False for a person's mail."""
        auto_submitted = (message.get("Auto-Submitted") or "").strip().lower()
        if auto_submitted and auto_submitted != "no":
            return f"Auto-Submitted: {auto_submitted}"
        suppress = (message.get("X-Auto-Response-Suppress") or "").strip()
        if suppress and suppress.lower() not in ("none", ""):
            return f"X-Auto-Response-Suppress: {suppress}"
        precedence = (message.get("Precedence") or "").strip().lower()
        if precedence in AUTOMATED_PRECEDENCE:
            return f"Precedence: {precedence}"
        for header in ("X-Autoreply", "X-Autorespond", "X-Loop", "List-Id"):
            if message.get(header):
                return f"{header} header"
        sender = tools.email_normalize(message_dict.get("email_from") or "") or ""
        if AUTOMATED_SENDER_RE.match(sender):
            return f"sender {sender}"
        return False
