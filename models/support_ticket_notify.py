from odoo import api, fields, models, tools

# The public web form sends its own acknowledgement (mail_template_ticket_web_ack).
ACK_CHANNELS = ("email", "portal")


class SupportTicket(models.Model):
    """Outgoing mail of tickets: rules, blacklists, ticket reference, SMTP server."""

    _inherit = "support.ticket"

    support_notify = fields.Boolean(
        string="Notify",
        default=True,
        help="When off, nothing about this ticket is mailed outside the company.",
    )
    mail_server_id = fields.Many2one(
        "ir.mail_server",
        string="Outgoing Mail Server",
        help="Overrides the team's outgoing mail server for this ticket.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        tickets = super().create(vals_list)
        if not self.env.context.get("support_mail_automated"):
            tickets._support_send_acknowledgement()
            tickets._support_notify_rules_on_create()
        return tickets

    # Hooks -----------------------------------------------------------------

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
        self.ensure_one()
        return self.mail_server_id or self.team_id.mail_server_id

    def _support_mail_headers(self, automatic=True):
        self.ensure_one()
        headers = {"X-Support-Desk-Ticket": self.number or ""}
        if automatic:
            headers["Auto-Submitted"] = "auto-generated"
        return headers

    def _support_send_acknowledgement(self):
        """Acknowledge new tickets from outside to their sender, with a portal link."""
        template = self.env.ref(
            "support_desk.mail_template_support_ticket_ack", raise_if_not_found=False
        )
        if not template:
            return
        tickets = self.filtered(
            lambda t: (
                t.channel in ACK_CHANNELS
                and t.support_notify
                and t.email_from
                and t.company_id.support_notify_on_open
                and not t._support_is_blacklisted(t.email_from, "ack")
            )
        )
        for ticket in tickets:
            ticket._portal_ensure_token()
            template.send_mail(
                ticket.id,
                email_values={
                    "headers": ticket._support_mail_headers(),
                    "mail_server_id": ticket._support_get_mail_server().id,
                },
            )

    def _support_notify_rules_on_create(self):
        rules = self.env["support.notification.rule"]._search_rules("create")
        if not rules:
            return
        for ticket in self:
            partners = rules._filter_ticket(ticket)._get_partners(ticket)
            if partners and not ticket.user_id:
                # already told by _notify_ticket_admins_on_open(): never twice
                partners -= ticket._get_team_ticket_admins().partner_id
            partners = ticket._support_filter_partners(
                partners, sender=ticket.email_from
            )
            if partners:
                ticket.with_context(support_mail_auto=True).message_notify(
                    partner_ids=partners.ids,
                    subject=self.env._("New ticket: %s", ticket.display_name),
                    body=self.env._("The ticket %s was opened.", ticket.display_name),
                    model_description=self.env._("Ticket"),
                )

    def _support_filter_partners(self, partners, sender=None, internal_only=False):
        """Drop the sender, blacklisted addresses and, when the ticket must not
        be notified (or for internal notes), everyone outside the company."""
        self.ensure_one()
        sender = tools.email_normalize(sender or "")
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

    # mail.thread pipeline --------------------------------------------------

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
                pids = vals.get("partner_ids", msg_sudo.partner_ids.ids) or []
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
        return context
