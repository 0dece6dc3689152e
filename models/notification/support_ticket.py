import logging
import re

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)

# One plain address: no display name, no brackets, a dotted domain.
EMAIL_RE = re.compile(r"^[^\s@<>()\[\],;:\"]+@[\w-]+(\.[\w-]+)+$")


class SupportTicket(models.Model):
    _inherit = "support.ticket"

    extra_notify_emails = fields.Char(
        string="Extra Notification Emails",
        help="Other addresses that get the ticket's notifications, "
        "separated by commas.",
        groups="base.group_user",
    )
    support_notify = fields.Boolean(
        string="Notify",
        default=True,
        help="When off, nothing about this ticket is mailed outside the company.",
        groups="base.group_user",
    )

    mail_server_id = fields.Many2one(
        "ir.mail_server",
        string="Outgoing Mail Server",
        help="Overrides the team's outgoing mail server for this ticket.",
        groups="base.group_user",
    )

    @api.constrains("extra_notify_emails")
    def _check_extra_notify_emails(self):
        for ticket in self:
            invalid = [
                address
                for address in self._split_emails(ticket.extra_notify_emails)
                if not EMAIL_RE.match(address)
            ]
            if invalid:
                raise ValidationError(
                    self.env._(
                        "These extra notification emails are not valid: %s",
                        ", ".join(invalid),
                    )
                )

    def _support_is_blacklisted(self, email, kind="notify"):
        """Whether ``email`` must not get mail of ``kind`` ('ack' or 'notify').

        Entries are addresses or domains (``example.com`` / ``@example.com``);
        the notification blacklist also applies to acknowledgements.
        """
        normalized = tools.email_normalize(email or "")
        if not normalized:
            return False
        company = self[:1].company_id or self.env.company
        text = company.support_notify_blacklist or ""
        if kind == "ack":
            text += "," + (company.support_ack_blacklist or "")
        domain = normalized.rpartition("@")[2]
        for entry in self._split_emails(text.lower()):
            entry = entry.strip()
            if entry == normalized or entry.lstrip("@") == domain:
                return True
        return False

    def _support_get_mail_server(self):
        """The ticket's outgoing server, else its team's: whoever writes on
        the ticket sends through it, without reading the server itself."""
        self.ensure_one()
        ticket = self.sudo()
        return ticket.mail_server_id or ticket.team_id.mail_server_id

    def _support_mail_headers(self, automatic=True):
        self.ensure_one()
        headers = {"X-Support-Desk-Ticket": self.number or ""}
        if automatic:
            headers["Auto-Submitted"] = "auto-generated"
        return headers

    @api.model
    def _support_delivery(self, tickets):
        """``(server, footer)`` of a mail about ``tickets``: the ticket's
        outgoing server, else its team's, and its company's legal footer, when
        all the tickets of the mail agree on them (a digest may mix them)."""
        servers = {ticket._support_get_mail_server() for ticket in tickets}
        footers = {ticket.company_id.support_mail_footer or "" for ticket in tickets}
        server = servers.pop() if len(servers) == 1 else self.env["ir.mail_server"]
        footer = footers.pop() if len(footers) == 1 else ""
        if footer:
            footer = (
                Markup(
                    '<div class="support_legal_footer" '
                    'style="color: #555555; font-size: 11px;">%s</div>'
                )
                % footer
            )
        return server, footer

    def _support_filter_partners(self, partners, sender=None, internal_only=False):
        """Drop the sender, blacklisted addresses and, when the ticket must not
        be notified (or for internal notes), everyone outside the company."""
        self.ensure_one()
        sender = tools.email_normalize(sender or "")
        if not self.company_id.support_never_notify_sender:
            sender = False
        external_ok = self.support_notify and not internal_only
        return partners.filtered(
            lambda p: (
                (external_ok or not p.partner_share)
                # internal authors are already skipped by Odoo (by partner)
                and (not sender or not p.partner_share or p.email_normalized != sender)
                and not (
                    p.partner_share and self._support_is_blacklisted(p.email, "notify")
                )
            )
        )

    def _support_partners_from_emails(self, text):
        emails = self._split_emails(text)
        if not emails:
            return self.env["res.partner"]
        partners = self.env["res.partner"].sudo()._find_or_create_from_emails(emails)
        return self.env["res.partner"].browse([p.id for p in partners if p])

    def _notify_get_recipients(self, message, msg_vals=False, **kwargs):
        if len(self) != 1:
            return super()._notify_get_recipients(message, msg_vals=msg_vals, **kwargs)
        msg_sudo = message.sudo()
        vals = msg_vals or {}
        message_type = vals.get("message_type", msg_sudo.message_type)
        subtype = self.env["mail.message.subtype"].browse(
            vals.get("subtype_id", msg_sudo.subtype_id.id)
        )
        internal = bool(
            vals.get("is_internal", msg_sudo.is_internal)
            or (subtype and subtype.internal)
        )
        if not internal and subtype and message_type in ("comment", "email"):
            rules = self.env["support.notification.rule"]._search_rules("reply")
            extra = rules._filter_ticket(self)._get_partners(self)
            if extra:
                # Not vals.get(..., default): the default would read the
                # message's recipients even when the values carry them.
                pids = (
                    vals["partner_ids"]
                    if "partner_ids" in vals
                    else msg_sudo.partner_ids.ids
                ) or []
                msg_vals = dict(
                    vals,
                    message_type=message_type,
                    subtype_id=subtype.id,
                    partner_ids=list(set(pids) | set(extra.ids)),
                )
        recipients = super()._notify_get_recipients(
            message, msg_vals=msg_vals, **kwargs
        )
        automated = self.env.context.get("support_mail_automated")
        partners = self.env["res.partner"].browse([r["id"] for r in recipients])
        kept = self._support_filter_partners(
            partners,
            sender=vals.get("email_from", msg_sudo.email_from),
            internal_only=internal,
        )
        if self.company_id.support_notify_only_new:
            already = self._support_original_recipients(msg_sudo)
            kept = kept.filtered(lambda p: p.email_normalized not in already)
        return [
            r
            for r in recipients
            if r["notif"] != "email" or (r["id"] in kept.ids and not automated)
        ]

    def _support_original_recipients(self, message):
        """Normalized To/Cc addresses of the inbound mail being notified."""
        if message.message_type != "email":
            return set()
        addresses = []
        for fname in ("incoming_email_to", "incoming_email_cc"):
            if fname in message._fields:
                addresses += tools.email_split(message[fname] or "")
        return {tools.email_normalize(a) for a in addresses} - {False}

    # Extra notification emails: mailed as plain addresses, no partner

    def _support_extra_addresses(self, exclude=()):
        """The ticket's extra notification emails that may get its mail (it
        mails outside, no blacklist names them), less the normalized
        addresses of ``exclude``."""
        self.ensure_one()
        ticket = self.sudo()
        if not ticket.support_notify or self.env.context.get("support_mail_automated"):
            return []
        addresses = []
        for email in tools.email_split(ticket.extra_notify_emails or ""):
            normalized = tools.email_normalize(email)
            if (
                normalized
                and normalized not in exclude
                and normalized not in addresses
                and not self._support_is_blacklisted(normalized, "notify")
            ):
                addresses.append(normalized)
        return addresses

    def _notify_thread(self, message, msg_vals=False, **kwargs):
        scheduled = self._is_notification_scheduled(kwargs.get("scheduled_date"))
        recipients = super()._notify_thread(message, msg_vals=msg_vals, **kwargs)
        if len(self) == 1 and not scheduled:
            # (a scheduled message comes back here when it is sent)
            self._support_mail_extra(message, msg_vals or {}, recipients, kwargs)
        return recipients

    def _support_extra_for_message(self, message, msg_vals, recipients):
        """Extra notification emails that get ``message``: public replies and
        stage changes, when a reply rule names them; not the addresses
        already notified, the sender, nor (only new) the To/Cc of its mail."""
        msg = message.sudo()
        subtype = self.env["mail.message.subtype"].browse(
            msg_vals.get("subtype_id", msg.subtype_id.id)
        )
        if (
            not subtype
            or subtype.internal
            or msg_vals.get("is_internal", msg.is_internal)
        ):
            return []
        stage = self._support_xmlid_record("support_desk.mt_ticket_stage")
        message_type = msg_vals.get("message_type", msg.message_type)
        if message_type not in ("comment", "email") and subtype != stage:
            return []
        rules = self.env["support.notification.rule"]._search_rules("reply")
        partners = self.env["res.partner"].browse(
            [r["id"] for r in recipients or () if r["notif"] == "email"]
        )
        exclude = set(partners.sudo().mapped("email_normalized"))
        if self.company_id.support_never_notify_sender:
            sender = msg_vals.get("email_from", msg.email_from)
            exclude.add(tools.email_normalize(sender or ""))
        if self.company_id.support_notify_only_new:
            exclude |= self._support_original_recipients(msg)
        return rules._filter_ticket(self)._get_extra_addresses(self, exclude)

    def _support_mail_extra(self, message, msg_vals, recipients, kwargs):
        """Mail ``message`` to the extra notification emails as Odoo mails a
        customer without portal access (same layout, footer, server,
        headers), one mail per address."""
        if not self.sudo().extra_notify_emails:
            return
        addresses = self._support_extra_for_message(message, msg_vals, recipients)
        if not addresses:
            return
        customer = {
            "id": -1,  # no partner: never the ticket's customer (portal buttons)
            "active": True,
            "share": True,
            "ushare": False,
            "notif": "email",
            "type": "customer",
            "groups": [],
            "is_follower": False,
            "uid": False,
            "lang": (self.partner_contact_id or self.partner_id).lang,
        }
        base = self._notify_by_email_get_base_mail_values(
            message, additional_values={"auto_delete": True}
        )
        Mail = mails = self.env["mail.mail"].sudo()
        for (
            _lang,
            render_values,
            group,
        ) in self._notify_get_classified_recipients_iterator(
            message,
            [customer],
            msg_vals=msg_vals,
            model_description=kwargs.get("model_description"),
            force_email_company=kwargs.get("force_email_company"),
            force_email_lang=kwargs.get("force_email_lang"),
        ):
            if not (group["active"] and group["recipients"]):
                continue
            body = self._notify_by_email_render_layout(
                message, group, msg_vals=msg_vals, render_values=render_values
            )
            mails |= Mail.create(
                [
                    self._notify_by_email_get_final_mail_values(
                        [], base, {"body_html": body, "email_to": address}
                    )
                    for address in addresses
                ]
            )
        if self.env.context.get("mail_notify_force_send", True):
            mails.send_after_commit()

    def _support_update_info(self, message, msg_vals):
        """Sender, date, customer and number shown above a message people wrote
        (the seed's "Aggiornamento Ticket" mail)."""
        msg = message.sudo()
        vals = msg_vals or {}
        if len(self) != 1 or vals.get("message_type", msg.message_type) not in (
            "comment",
            "email",
        ):
            return False
        author = (
            self.env["res.partner"]
            .browse(vals.get("author_id", msg.author_id.id))
            .sudo()
        )
        date = fields.Datetime.to_datetime(vals.get("date") or msg.date)
        return {
            "sender": author.name or vals.get("email_from", msg.email_from) or "",
            "date": tools.format_datetime(
                self.env, date or fields.Datetime.now(), dt_format="short"
            ),
            "customer": self.sudo().partner_id.display_name or "",
            "number": self.number or "",
        }

    def _notify_by_email_get_headers(self, headers=None):
        headers = super()._notify_by_email_get_headers(headers=headers)
        if len(self) == 1:
            headers.update(
                self._support_mail_headers(
                    automatic=bool(self.env.context.get("support_mail_auto"))
                )
            )
        return headers

    def _notify_by_email_get_base_mail_values(self, message, additional_values=None):
        values = super()._notify_by_email_get_base_mail_values(
            message, additional_values=additional_values
        )
        if len(self) == 1:
            prefix = f"[{self.number}]"
            # The mail keeps the message's own subject, with the reference added.
            subject = values.get("subject") or message.subject or self.name
            if prefix not in subject:
                values["subject"] = f"{prefix} {subject}"
            server = self._support_get_mail_server()
            if server:
                values["mail_server_id"] = server.id
        return values

    def _notify_by_email_prepare_rendering_context(
        self, message, msg_vals=False, model_description=False,
        force_email_company=False, force_email_lang=False,
    ):  # fmt: skip
        context = super()._notify_by_email_prepare_rendering_context(
            message, msg_vals=msg_vals, model_description=model_description,
            force_email_company=force_email_company, force_email_lang=force_email_lang,
        )  # fmt: skip
        company = context.get("company") or self.company_id
        context["support_legal_footer"] = company.support_mail_footer
        context["support_update_info"] = self._support_update_info(message, msg_vals)
        return context
