import logging
import re
from collections import defaultdict

from markupsafe import Markup

from odoo import Command, api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import SQL, is_html_empty

_logger = logging.getLogger(__name__)

# One plain address: no display name, no brackets, a dotted domain.
EMAIL_RE = re.compile(r"^[^\s@<>()\[\],;:\"]+@[\w-]+(\.[\w-]+)+$")

# The public web form sends its own acknowledgement (mail_template_ticket_web_ack).
ACK_CHANNELS = ("email", "portal")


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

    # Technical: what the creation queue (_cron_process_creation_queue) still
    # has to do for the ticket: log "ticket opened", mail the creation rules'
    # notices and the acknowledgement. A partial index keeps its reads small.
    creation_log_pending = fields.Boolean(
        copy=False, readonly=True, groups="base.group_user"
    )
    creation_mail_pending = fields.Boolean(
        copy=False, readonly=True, groups="base.group_user"
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
        self.ensure_one()
        return self.mail_server_id or self.team_id.mail_server_id

    def _support_mail_headers(self, automatic=True):
        self.ensure_one()
        headers = {"X-Support-Desk-Ticket": self.number or ""}
        if automatic:
            headers["Auto-Submitted"] = "auto-generated"
        return headers

    def _support_send_acknowledgement(self, opening=None):
        """Acknowledge new tickets from outside to their sender, with a portal
        link; not when the sender was already To/Cc of the opening mail and the
        company notifies only new addresses (``opening``: see
        ``_support_opening_addresses``)."""
        if opening is None:
            opening = self._support_opening_addresses()
        tickets = self.filtered(
            lambda t: (
                t.channel in ACK_CHANNELS
                and t._support_may_acknowledge()
                and tools.email_normalize(t.email_from) not in opening.get(t.id, ())
            )
        )
        if not tickets:
            return
        QWeb = self.env["ir.qweb"]
        mail_vals = []
        for ticket in tickets:
            ticket._portal_ensure_token()
            lang = ticket.partner_contact_id.lang or ticket.partner_id.lang
            mail_vals.append(
                {
                    "subject": f"[{ticket.number}] {ticket.name}",
                    "body_html": QWeb.with_context(lang=lang or self.env.lang)._render(
                        "support_desk.ticket_ack_body", {"ticket": ticket}
                    ),
                    **ticket._support_sender_mail_vals(),
                }
            )
        self.env["mail.mail"].sudo().create(mail_vals)

    def _support_send_web_acknowledgement(self):
        """The public web form's acknowledgement (its mail template), through
        the ticket's outgoing server like every ticket mail."""
        template = self.env.ref(
            "support_desk.mail_template_ticket_web_ack", raise_if_not_found=False
        )
        if not template:
            return
        for ticket in self:
            ticket._portal_ensure_token()
            server = ticket._support_get_mail_server()
            template.sudo().send_mail(
                ticket.id,
                email_values={"mail_server_id": server.id} if server else None,
            )

    def _support_may_acknowledge(self):
        """Whether the sender gets an acknowledgement, whatever the channel
        (mail, portal, web form): the company sends them, the ticket mails
        outside, the address is on no blacklist."""
        self.ensure_one()
        return bool(
            self.support_notify
            and self.email_from
            and self.company_id.support_notify_on_open
            and not self._support_is_blacklisted(self.email_from, "ack")
        )

    def _support_sender_mail_vals(self):
        """What a mail to the ticket's sender (acknowledgement, confirmation
        link) carries besides its subject and body."""
        self.ensure_one()
        return {
            "email_from": self._support_ack_email_from(),
            "email_to": self.email_from,
            # a reply to it lands on the ticket
            "model": self._name,
            "res_id": self.id,
            "record_name": self.display_name,
            "message_type": "email_outgoing",
            "headers": repr(self._support_mail_headers()),
            "mail_server_id": self._support_get_mail_server().id,
            "auto_delete": True,
        }

    def _support_ack_email_from(self):
        self.ensure_one()
        return (
            self.team_id.user_id.email_formatted
            or self.company_id.email_formatted
            # sent by the creation queue's cron: not from whoever runs it
            or self.env["ir.mail_server"]._get_default_from_address()
        )

    def _support_notify_rules_on_create(self, opening=None):
        """Tell whom the creation rules name; one batch of messages for all the
        tickets, and one mail per recipient (see ``_support_post_and_deliver``).
        Addresses already To/Cc of the opening mail (``opening``) are left out
        when the company notifies only new addresses."""
        rules = self.env["support.notification.rule"]._search_rules("create")
        if not rules:
            return
        if opening is None:
            opening = self._support_opening_addresses()
        entries = []
        for ticket in self:
            ticket_rules = rules._filter_ticket(ticket)
            already = opening.get(ticket.id, set())
            partners = ticket._support_filter_partners(
                ticket_rules._get_partners(ticket), sender=ticket.email_from
            ).filtered(lambda p, already=already: p.email_normalized not in already)
            if partners:
                entries.append((ticket._support_creation_notice_vals(), partners))
            ticket._support_mail_extra_notice(
                ticket_rules, already | set(partners.mapped("email_normalized"))
            )
        self._support_post_and_deliver(
            entries,
            lambda count: self.env._("%(count)s new tickets", count=count),
        )

    @api.model
    def _support_trigger_creation_queue(self):
        """Wake the creation queue's cron, once per transaction."""
        # postcommit's data lasts the whole transaction (a savepoint's flush
        # clears precommit's)
        data = self.env.cr.postcommit.data
        if not data.get("support_desk.creation_queue_triggered"):
            data["support_desk.creation_queue_triggered"] = True
            cron = self.env.ref(
                "support_desk.ir_cron_creation_queue", raise_if_not_found=False
            )
            if cron:  # not yet while the module's own data installs
                cron.sudo()._trigger()

    @api.model
    def _cron_process_creation_queue(self, limit=500):
        """Do what opening tickets calls for (log "ticket opened", mail the
        creation rules' notices and the acknowledgement), oldest first,
        ``limit`` tickets per run: a ticket opens without building messages,
        the queue builds them in batches. SKIP LOCKED lets two cron workers
        share the queue."""
        self.flush_model(["creation_log_pending", "creation_mail_pending"])
        queued = SQL("creation_log_pending OR creation_mail_pending")
        self.env.cr.execute(
            SQL(
                "SELECT id FROM support_ticket WHERE %s "
                "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                queued,
                limit,
            )
        )
        tickets = self.browse([row[0] for row in self.env.cr.fetchall()])
        tickets._support_process_creation_queue()
        self.env.cr.execute(SQL("SELECT count(*) FROM support_ticket WHERE %s", queued))
        # "partially done": the cron runs again at once for the rest
        self.env["ir.cron"]._notify_progress(
            done=len(tickets), remaining=self.env.cr.fetchone()[0]
        )
        return tickets

    def _support_process_creation_queue(self):
        """Take these tickets off the queue and do what their opening calls
        for, in the language of whoever opened them and as their company (the
        mails' sender). A ticket that fails is logged and left: it must not
        hold back the others (nor come back at every run)."""
        to_log = self.filtered("creation_log_pending")
        to_mail = self.filtered("creation_mail_pending")
        self.env.cr.execute(
            "UPDATE support_ticket SET creation_log_pending = false, "
            "creation_mail_pending = false WHERE id = ANY(%s)",
            [self.ids],
        )
        self.invalidate_recordset(["creation_log_pending", "creation_mail_pending"])
        groups = self.grouped(lambda t: (t.create_uid.lang, t.company_id))
        for (lang, company), tickets in groups.items():
            tickets = tickets.with_company(company).with_context(
                lang=lang or self.env.lang
            )
            try:
                with self.env.cr.savepoint():
                    tickets._support_on_create(to_log, to_mail)
            except Exception:  # noqa: BLE001 - retried ticket by ticket below
                for ticket in tickets:
                    try:
                        with self.env.cr.savepoint():
                            ticket._support_on_create(to_log, to_mail)
                    except Exception:
                        _logger.exception(
                            "Support Desk: the creation queue failed on ticket %s",
                            ticket.number,
                        )

    def _support_on_create(self, to_log, to_mail):
        (self & to_log)._support_log_creation()
        (self & to_mail)._support_mail_on_create()

    def _support_mail_on_create(self):
        """What a new ticket mails: hook of the creation queue."""
        opening = self._support_opening_addresses()
        self._support_send_acknowledgement(opening)
        self._support_notify_rules_on_create(opening)

    def _support_creation_notice_subject(self):
        """The seed's subject ("Nuovo Ticket TIPO"): the type, then the ticket."""
        self.ensure_one()
        if not self.type_id:
            if self.user_id:
                return self.env._("New ticket: %s", self.display_name)
            return self.env._("New ticket to assign: %s", self.display_name)
        values = {"type": self.type_id.name, "ticket": self.display_name}
        if self.user_id:
            return self.env._("New ticket %(type)s: %(ticket)s", **values)
        return self.env._("New ticket %(type)s to assign: %(ticket)s", **values)

    def _support_render_notice(self, external=False):
        self.ensure_one()
        return self.env["ir.qweb"]._render(
            "support_desk.ticket_created_notice",
            {"ticket": self, "external": external, "is_html_empty": is_html_empty},
        )

    def _support_creation_notice_vals(self):
        self.ensure_one()
        subject = self._support_creation_notice_subject()
        author = self._support_xmlid_record("base.partner_root")
        return {
            "model": self._name,
            "res_id": self.id,
            "record_name": self.display_name,
            "author_id": author.id,
            "email_from": author.email_formatted,
            "subject": subject,
            "body": self._support_render_notice(),
            "message_type": "user_notification",
            "subtype_id": self._support_xmlid_record("mail.mt_note").id,
            "is_internal": True,
        }

    @api.model
    def _support_post_and_deliver(self, entries, digest_subject):
        """Create the messages of ``entries`` (``(values, partners)`` pairs) in one
        batch and deliver them: an inbox notification to users who read them in
        Odoo, one mail to every other partner with all the messages meant for
        them (``digest_subject(count)`` as subject when there are several).

        Odoo's message_notify renders a mail layout per message: too slow for
        the batches of imports, mail gateways and the SLA cron.
        """
        if not entries:
            return self.env["mail.message"]
        messages = self._support_create_batch_messages(entries)
        per_partner = defaultdict(lambda: self.env["mail.message"])
        for message, (_values, partners) in zip(messages, entries, strict=True):
            for partner in partners:
                per_partner[partner] |= message
        tickets = self.browse({values["res_id"] for values, _partners in entries})
        ticket_of = {ticket.id: ticket for ticket in tickets.sudo()}
        email_from = (
            self.env.company.email_formatted
            or self.env["ir.mail_server"]._get_default_from_address()
        )
        notification_vals, mail_vals, mailed = [], [], []
        for partner, partner_messages in per_partner.items():
            users = partner.user_ids
            if users and all(user.notification_type == "inbox" for user in users):
                notification_vals += [
                    {
                        "mail_message_id": message.id,
                        "res_partner_id": partner.id,
                        "notification_type": "inbox",
                        "author_id": message.author_id.id,
                    }
                    for message in partner_messages
                ]
            elif partner.email:
                tickets = [ticket_of[m.res_id] for m in partner_messages]
                mail_vals.append(
                    self._support_digest_mail_vals(
                        partner, partner_messages, tickets, email_from, digest_subject
                    )
                )
                # one message: its mail is its notification (see below)
                single = partner_messages if len(partner_messages) == 1 else None
                mailed.append((partner, single))
        notification_vals += self._support_create_digest_mails(mail_vals, mailed)
        if notification_vals:
            self.env["mail.notification"].sudo().create(notification_vals)
        return messages

    @api.model
    def _support_create_batch_messages(self, entries):
        """The messages of ``entries``, in one create, with their reply-to."""
        tickets = self.browse({values["res_id"] for values, _partners in entries})
        reply_to = tickets.sudo()._notify_get_reply_to()
        return (
            self.env["mail.message"]
            .sudo()
            .create(
                [
                    dict(
                        values,
                        reply_to=reply_to.get(values["res_id"]),
                        partner_ids=[Command.set(partners.ids)],
                    )
                    for values, partners in entries
                ]
            )
        )

    @api.model
    def _support_digest_mail_vals(
        self, partner, messages, tickets, email_from, digest_subject
    ):
        """Values of the one mail ``partner`` gets for ``messages``."""
        server, footer = self._support_delivery(tickets)
        mail = {
            "body_html": Markup("<hr/>").join(messages.mapped("body")) + footer,
            "email_from": email_from,
            "recipient_ids": [Command.link(partner.id)],
            "headers": repr({"Auto-Submitted": "auto-generated"}),
            "auto_delete": True,
            "mail_server_id": server.id,
        }
        if len(messages) == 1:
            # The mail of one message is that message's notification, and
            # updates its delivery status once sent.
            mail.update(mail_message_id=messages.id, is_notification=True)
        else:
            mail.update(subject=digest_subject(len(messages)), model=False)
        return mail

    @api.model
    def _support_create_digest_mails(self, mail_vals, mailed):
        """Create the mails; return the values of the email notifications of
        the single-message ones (``mailed``: ``(partner, message or None)``)."""
        if not mail_vals:
            return []
        mails = self.env["mail.mail"].sudo().create(mail_vals)
        return [
            {
                "mail_message_id": message.id,
                "res_partner_id": partner.id,
                "notification_type": "email",
                "notification_status": "ready",
                "mail_mail_id": mail.id,
                "author_id": message.author_id.id,
                "is_read": True,
            }
            for mail, (partner, message) in zip(mails, mailed, strict=True)
            if message
        ]

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

    def _support_log_creation(self):
        """The "Ticket opened" message, by whoever opened the ticket and dated
        when they did. Odoo posts it ticket by ticket (a full notification
        each); only tickets with a follower subscribed to it need that, the
        others get it in one batch."""
        if not self:
            return
        subtype = self._creation_subtype()
        told = self._support_creation_followed_ids(subtype) if subtype else set()
        for ticket in self.filtered(lambda t: t.id in told):
            ticket.sudo().message_post(
                subtype_id=subtype.id,
                author_id=ticket.create_uid.partner_id.id,
                body=Markup('<div summary="o_mail_notification"><p>%s</p></div>')
                % ticket._creation_message(),
            )
        quiet = self.filtered(lambda t: t.id not in told)
        if quiet:
            quiet._support_log_creation_batch(subtype)

    def _support_creation_followed_ids(self, subtype):
        """Ids of the tickets with a follower (other than their author)
        subscribed to the creation subtype."""
        self.env["mail.followers"].flush_model()
        self.env.cr.execute(
            """
            SELECT f.res_id, f.partner_id
              FROM mail_followers f
              JOIN mail_followers_mail_message_subtype_rel r
                ON r.mail_followers_id = f.id
             WHERE f.res_model = %s AND f.res_id = ANY(%s)
               AND r.mail_message_subtype_id = %s
            """,
            [self._name, self.ids, subtype.id],
        )
        authors = {ticket.id: ticket.create_uid.partner_id.id for ticket in self}
        return {
            res_id
            for res_id, partner_id in self.env.cr.fetchall()
            if partner_id != authors[res_id]
        }

    def _support_log_creation_batch(self, subtype):
        """ "Ticket opened" of tickets nobody is told about, in one create."""
        # as Odoo's _message_log_batch: one generic reply-to for the batch
        catchall = self.env["mail.thread"]._notify_get_reply_to()[False]
        self.sudo()._message_create(
            [
                {
                    "model": self._name,
                    "res_id": ticket.id,
                    "record_name": ticket.display_name,
                    "author_id": ticket.create_uid.partner_id.id,
                    "email_from": ticket.create_uid.partner_id.email_formatted,
                    "date": ticket.create_date,
                    "body": Markup('<div summary="o_mail_notification"><p>%s</p></div>')
                    % ticket._creation_message(),
                    "message_type": "notification",
                    "reply_to": catchall
                    or ticket.create_uid.partner_id.email_formatted,
                    "email_add_signature": False,
                    "subtype_id": (
                        subtype or self._support_xmlid_record("mail.mt_note")
                    ).id,
                }
                for ticket in self
            ]
        )

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

    def _support_opening_addresses(self):
        """``{ticket id: normalized To/Cc addresses of its opening mail}`` for
        the tickets opened by mail whose company notifies only new addresses:
        who already got the customer's mail gets no notice of it."""
        tickets = self.filtered(
            lambda t: t.channel == "email" and t.company_id.support_notify_only_new
        )
        if not tickets:
            return {}
        opening = {}
        messages = (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", self._name),
                    ("res_id", "in", tickets.ids),
                    ("message_type", "=", "email"),
                ],
                order="id",
            )
        )
        for message in messages:
            if message.res_id not in opening:
                opening[message.res_id] = self._support_original_recipients(message)
        return opening

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

    def _support_mail_extra_notice(self, rules, exclude):
        """The creation notice, without the link to the back end, to the extra
        notification emails the creation ``rules`` name."""
        self.ensure_one()
        exclude = set(exclude)
        if self.company_id.support_never_notify_sender:
            exclude.add(tools.email_normalize(self.email_from or ""))
        addresses = rules._get_extra_addresses(self, exclude)
        if not addresses:
            return
        _server, footer = self._support_delivery([self])
        values = dict(
            self._support_sender_mail_vals(),
            subject=self._support_creation_notice_subject(),
            body_html=self._support_render_notice(external=True) + footer,
        )
        self.env["mail.mail"].sudo().create(
            [dict(values, email_to=address) for address in addresses]
        )

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
