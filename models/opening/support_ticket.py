import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import Command, api, fields, models, tools
from odoo.tools import SQL, is_html_empty

_logger = logging.getLogger(__name__)

# The public web form sends its own acknowledgement (mail_template_ticket_web_ack).
ACK_CHANNELS = ("email", "portal")


class SupportTicket(models.Model):
    _inherit = "support.ticket"

    # Technical: what the creation queue (_cron_process_creation_queue) still
    # has to do for the ticket: log "ticket opened", mail the creation rules'
    # notices and the acknowledgement. A partial index keeps its reads small.
    creation_log_pending = fields.Boolean(
        copy=False, readonly=True, groups="base.group_user"
    )

    creation_mail_pending = fields.Boolean(
        copy=False, readonly=True, groups="base.group_user"
    )

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
