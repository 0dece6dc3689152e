import ast
import email
import email.policy
import re
import xmlrpc.client as xmlrpclib
from email.message import EmailMessage, Message

from markupsafe import Markup

from odoo import api, models, tools
from odoo.exceptions import AccessError

from . import mail_decode

# Headers and senders of mails written by machines (RFC 3834 and common practice).
AUTOMATED_SENDER_RE = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|"
    r"auto-?reply|autoresponder)([+.\-_].*)?@",
    re.IGNORECASE,
)
AUTOMATED_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
# Mails whose content is sealed for its recipients: nothing to read in them.
ENCRYPTED_TYPES = {
    "application/pkcs7-mime",
    "application/x-pkcs7-mime",
    "multipart/encrypted",
}
# A ticket number in brackets: [T00042] (any sequence prefix ending in digits).
TICKET_REF_RE = re.compile(r"\[([A-Z][A-Z0-9/._-]{0,19}\d)\]")


class MailHolder(dict):
    """What ``message_process`` learns of the mail it processes.

    A type of its own, checked with ``isinstance``: a context sent over
    JSON-RPC holds only JSON types (dict, list, str, numbers), so no caller can
    pass a forged holder for this one.
    """


class GatewayMarker:
    """A context value that only Python code can set: JSON-RPC sends none but
    JSON types, so a check ``is NEW_TICKET`` cannot be met from a request."""

    __slots__ = ()


# Set by support.ticket message_new on the ticket it opens: the opening mail's
# message_post then makes its body the description.
NEW_TICKET = GatewayMarker()


class MailThread(models.AbstractModel):
    """Mail gateway hooks of the desk: routing, noise filtering, logged drops.

    ``message_process`` keeps, in the context, a holder for the parsed mail and
    the reason it was dropped; whatever produced neither a ticket nor a message
    is recorded in ``support.mail.drop``, with the raw mail.

    The gateway runs in sudo (Odoo's ``_message_route_process``): only the
    superuser (mail fetcher, cron) and administrators (mailgate script) may feed
    it, and its other entry points are private.
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
        # Every mail passes here, whatever app it is for: the gateway runs in
        # sudo for all of them (so the caller check), and the mail fetcher
        # commits after each mail even when it fails (so the savepoint: a
        # failing mail of any app leaves nothing half-written). Which app a
        # mail is for is only known once routed: the drop log keeps the desk's
        # own mails (_support_mail_concerns_desk).
        self._support_check_gateway_caller()
        holder = MailHolder(raw=self._support_raw_mail(message))
        try:
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
                self._support_note_unreadable(holder, result)
        except Exception as error:
            if self._support_mail_concerns_desk(holder, model):
                holder.update(reason="error", details=repr(error)[:200])
                self._support_log_drop(holder)
            raise
        if not result and self._support_mail_concerns_desk(holder, model):
            self._support_log_drop(holder)
        return result

    @api.model
    def _support_mail_concerns_desk(self, holder, model):
        """Whether a mail that made nothing is the desk's to log: routed to
        tickets, sent to no alias at all, or failed before any routing (no
        other app owns those); not a mail for another app's alias, nor the
        bounce of another app's mail (``desk`` set by the routing)."""
        msg_dict = holder.get("msg_dict")
        if msg_dict is None:
            return False
        if model == "support.ticket":
            return True
        if "desk" not in holder and msg_dict.get("message_id"):
            # stopped before routing: a mail already processed is the desk's
            # if its first copy went to a ticket
            first = (
                self.env["mail.message"]
                .sudo()
                .search([("message_id", "=", msg_dict["message_id"])], limit=1)
            )
            return not first or first.model == "support.ticket"
        return holder.get("desk", True)

    @api.model
    def _support_note_unreadable(self, holder, thread_id):
        """Tell the agents, on the ticket, that the mail was not fully read
        and that its raw source (or the undecoded part) is attached."""
        if not (thread_id and holder.get("unreadable")):
            return
        if "support.ticket" not in holder.get("models", ()):
            return
        ticket = self.env["support.ticket"].browse(thread_id).exists()
        if ticket:
            ticket.message_post(
                body=holder["unreadable"],
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )

    @api.model
    def message_parse(self, message, save_original=False):
        # Real-world mail first made readable (charsets, broken MIME): Odoo
        # parses a decoded copy, routing still reads the mail as received.
        # For every app's mail: parsing comes before routing, and a mail Odoo
        # cannot decode is as unreadable for a CRM lead as for a ticket.
        decoded = None
        parsed = message
        if isinstance(message, EmailMessage):
            parsed, decoded = mail_decode.normalize_message(message)
        msg_dict = super().message_parse(parsed, save_original=save_original)
        holder = self._support_mail_holder()
        if decoded is not None:
            self._support_mail_check_readable(message, msg_dict, decoded, holder)
        if holder is not None and "msg_dict" not in holder:
            holder.update(msg_dict=msg_dict, message=message)
        return msg_dict

    @api.model
    def _support_mail_check_readable(self, message, msg_dict, decoded, holder):
        """A mail without any readable text keeps its raw source attached and
        says so in its body: never an empty ticket. Parts that did not fully
        decode are already attached (``mail_decode``)."""
        note = False
        # The holder's raw bytes are those of the mail received, not of a
        # mail parsed inside it.
        first = holder is not None and "msg_dict" not in holder
        if decoded.broken_parts:
            note = self.env._(
                "Part of this mail could not be decoded: the text shows what "
                "could be read, the undecoded part is attached as a file."
            )
        # No text at all, or only a sealed envelope: files alone (a scanner's
        # PDF, a reply with a picture) are a readable mail.
        sealed = message.get_content_type() in ENCRYPTED_TYPES
        if not tools.html2plaintext(msg_dict.get("body") or "").strip() and (
            sealed or not msg_dict.get("attachments")
        ):
            raw = (first and holder.get("raw")) or message.as_bytes()
            msg_dict.setdefault("attachments", []).append(
                self._Attachment("original-mail.eml", raw, {})
            )
            note = self.env._(
                "This mail has no text that could be read: its raw source is "
                "attached as original-mail.eml."
            )
            msg_dict["body"] = Markup("<p>%s</p>") % note
        if note and first:
            holder["unreadable"] = note

    def _message_parse_extract_payload(
        self, message, message_dict, save_original=False
    ):
        # A mail forwarded as an attachment (message/rfc822): Odoo walks into it
        # and the forwarded HTML replaces the sender's own text. Keep the outer
        # body and attach the forwarded mail as an .eml file. For every app's
        # mail, as parsing comes before routing; only mails with such a part
        # change, and what they get is what any app would want.
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

    @api.private
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
            if self._support_mail_holder() is None:
                raise
            # Sent to no alias (e.g. a fetched mailbox): a ticket reference may
            # still name the ticket.
            self._support_mail_mark_desk(True)
            routes = self.env["support.ticket"]._support_mail_unrouted(
                message, message_dict
            )
            if not routes:
                self._support_drop_reason("no_route", str(error)[:200])
                return []
        desk = any(route[0] == "support.ticket" for route in routes)
        self._support_mail_mark_desk(desk)
        if not desk:
            return routes
        return self.env["support.ticket"]._support_mail_route(
            message, message_dict, routes
        )

    @api.model
    def _message_route_process(self, message, message_dict, routes):
        holder = self._support_mail_holder() or {}
        if isinstance(holder, MailHolder):
            holder["models"] = {route[0] for route in routes}
        if holder.get("automated"):
            # Automatic replies land as internal notes and notify nobody.
            self = self.with_context(support_mail_automated=True)
        return super()._message_route_process(message, message_dict, routes)

    @api.model
    def _support_mail_mark_desk(self, desk):
        """Note, the first time, whether the mail processed is the desk's."""
        holder = self._support_mail_holder()
        if holder is not None:
            holder.setdefault("desk", desk)

    @api.model
    def _routing_handle_bounce(self, email_message, message_dict):
        bounced = message_dict.get("bounced_message")
        self._support_mail_mark_desk(
            bounced[:1].model in (None, False, "support.ticket")
        )
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
        if routes and all(route[0] == "support.ticket" for route in routes):
            # The desk's own per-sender limit applies (support.ticket
            # _support_mail_rate_exceeded): it drops quietly, where Odoo's would
            # count every ticket the customer opened by any channel and answer
            # each extra mail with a "too many mails" one.
            return False
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

    @api.model
    def _support_mail_restore(self, raw):
        """Run a dropped mail through the gateway again as a ticket, and return
        the ticket. The noise filters that dropped it (lists, loops, rate,
        duplicates...) are skipped, never the check of the sender: the mail
        lands on the ticket it refers to only if its sender is allowed there,
        else it opens a new ticket (through its team alias if it reached one).
        Callers check the right to restore first (``support.mail.drop``)."""
        Ticket = self.env["support.ticket"]
        message = email.message_from_bytes(raw, policy=email.policy.SMTP)
        msg_dict = self.message_parse(message)
        route = Ticket._support_mail_restore_route(message, msg_dict)
        msg_dict["incoming_email_to"] = msg_dict.get("to")
        msg_dict["incoming_email_cc"] = msg_dict.get("cc")
        thread_id = self._message_route_process(message, msg_dict, [route])
        return Ticket.browse(thread_id)

    # Helpers ------------------------------------------------------------------

    @api.model
    def _support_check_gateway_caller(self):
        """Refuse the gateway to users: it routes and posts in sudo, so a user
        calling it over RPC would write where they may not. The mail fetcher
        and cron run as superuser, the mailgate script as an administrator."""
        if not (self.env.su or self.env.user._is_system()):
            raise AccessError(
                self.env._("Only the mail gateway may process incoming mails.")
            )

    @api.model
    def _support_mail_holder(self):
        """The holder set by ``message_process``, never one from a request."""
        holder = self.env.context.get("support_mail_holder")
        return holder if isinstance(holder, MailHolder) else None

    @api.model
    def _support_alias_defaults(self, alias):
        """The values an alias gives to the records it opens."""
        try:
            return dict(ast.literal_eval(alias.sudo().alias_defaults or "{}"))
        except (ValueError, SyntaxError, TypeError):
            return {}

    @api.model
    def _support_raw_mail(self, message):
        """The mail's bytes as received, kept on a drop to restore it."""
        if isinstance(message, xmlrpclib.Binary):
            return bytes(message.data)
        if isinstance(message, str):
            return message.encode()
        if isinstance(message, Message):
            return message.as_bytes()
        return bytes(message or b"")

    @api.model
    def _support_drop_reason(self, reason, details=None):
        holder = self._support_mail_holder()
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
            msg_dict,
            reason,
            details=holder.get("details"),
            ticket=holder.get("ticket"),
            raw=holder.get("raw"),
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
