import logging
from datetime import timedelta

from odoo import Command, api, models, tools

from ..ticket.support_stage import CLOSED_STATES
from .mail_thread import NEW_TICKET, TICKET_REF_RE

_logger = logging.getLogger(__name__)


class SupportTicket(models.Model):
    _inherit = "support.ticket"

    def message_post(self, **kwargs):
        context = self.env.context
        if (
            context.get("from_alias")
            and not context.get("mail_create_nosubscribe")
            and context.get("support_mail_new_ticket") is not NEW_TICKET
        ):
            # The gateway subscribes the author of an incoming mail: on an
            # existing ticket, only one who could already read it (a follower
            # reads it). The ticket the mail opened is the author's own.
            self = self.with_context(
                mail_create_nosubscribe=not self._support_mail_may_subscribe(
                    kwargs.get("author_id")
                )
            )
        message = super().message_post(**kwargs)
        if self.env.context.get("support_mail_new_ticket") is NEW_TICKET and (
            message.body
        ):
            # The opening mail's body, with inline images now stored as
            # attachments (cid: links rewritten), is the description. Only the
            # gateway's message_new sets this marker: no request can carry it.
            self.sudo().description = message.body
        return message

    # message_new and message_update are the gateway's, which runs them in sudo:
    # private, never called over RPC.

    @api.private
    @api.model
    def message_new(self, msg_dict, custom_values=None):
        values = dict(custom_values or {})
        # The alias's defaults: the team owns the alias (deleted with it).
        team = self.env["support.team"].browse(values.get("team_id"))
        subject = (msg_dict.get("subject") or "").strip()
        values.setdefault("name", self._support_mail_title(subject))
        values.setdefault("description", msg_dict.get("body"))
        values["channel"] = "email"
        if team.default_priority_id and "priority_id" not in values:
            values["priority_id"] = team.default_priority_id.id
        if "partner_id" not in values:
            values.update(self._support_mail_customer_vals(msg_dict, team))
        values.update(self._support_mail_new_customer_vals(values, msg_dict, team))
        if (
            team.mail_link_project
            and values.get("partner_id")
            and not values.get("project_id")
        ):
            project = self._support_mail_project(values["partner_id"])
            if project:
                values["project_id"] = project.id
        # What mail.thread(.cc).message_new add, without the fields_get() they
        # read for every mail.
        values.setdefault("email_from", msg_dict.get("email_from"))
        values.setdefault(
            "email_cc",
            ", ".join(self._mail_cc_sanitized_raw_dict(msg_dict.get("cc")).values()),
        )
        ticket = self.create(values)
        if team.mail_default_user_id:
            ticket.message_subscribe(
                partner_ids=team.mail_default_user_id.partner_id.ids
            )
        return ticket.with_context(support_mail_new_ticket=NEW_TICKET)

    @api.private
    def message_update(self, msg_dict, update_vals=None):
        if not self.env.context.get("support_mail_automated"):
            closed = self.filtered(lambda t: t.state in CLOSED_STATES)
            stage = self._get_in_progress_stage()
            if closed and stage:
                # The team asked to reopen (the other policy is routed to a new ticket).
                closed.write({"stage_id": stage.id})
        return super().message_update(msg_dict, update_vals=update_vals)

    @api.model
    def _support_mail_title(self, subject):
        subject = (subject or "").strip()
        if not subject:
            return self.env._("(no subject)")
        return subject if len(subject) <= 250 else subject[:249] + "…"

    @api.model
    def _support_mail_customer_vals(self, msg_dict, team):
        """Account and contact of a ticket opened by mail.

        The sender's partner if known; else the company owning the sender's
        domain (never for public mail providers), created if the team asks;
        else the team's default customer.
        """
        Partner = self.env["res.partner"].sudo()
        if msg_dict.get("author_id"):
            # Found by the gateway among existing partners.
            return {"partner_id": msg_dict["author_id"]}
        email = tools.email_normalize(msg_dict.get("email_from") or "")
        domain = email and email.rpartition("@")[2]
        company = self.env.company
        if domain and domain not in company._support_public_mail_domain_set():
            account = Partner._support_find_by_email_domain(domain)
            if not account and team.mail_create_company:
                account = Partner.create(
                    {"name": domain, "is_company": True, "website": domain}
                )
            if account:
                name = tools.parse_contact_from_email(msg_dict["email_from"])[0]
                contact = Partner.create(
                    {"name": name or email, "email": email, "parent_id": account.id}
                )
                return {"partner_id": account.id, "partner_contact_id": contact.id}
        if team.mail_default_partner_id:
            return {"partner_id": team.mail_default_partner_id.id}
        return {}

    @api.model
    def _support_mail_new_customer_vals(self, values, msg_dict, team):
        """Contract and project of a customer company writing for the first
        time, made when the team asks ("Associa Contratto / Progetto").

        Runs in message_new, so only for a mail the gateway kept; returns the
        project to link to the ticket.
        """
        if not (team.mail_create_contract or team.mail_create_project):
            return {}
        partner = self._support_mail_real_customer(values, msg_dict, team)
        if not partner:
            return {}
        result = {}
        project = self.env["project.project"].browse(values.get("project_id"))
        if team.mail_create_project and not project:
            project = self._support_mail_project(
                partner.id
            ) or self._support_mail_create_project(partner, team)
            result["project_id"] = project.id
        if team.mail_create_contract:
            self._support_mail_create_contract(partner, team, project)
        return result

    @api.model
    def _support_mail_real_customer(self, values, msg_dict, team):
        """The company of a mail's sender when it is the ticket's account, or an
        empty recordset when the sender is no real customer: a public mail
        provider, our own address, an employee, one of our companies, a
        private person, or a sender put in the team's default customer."""
        Partner = self.env["res.partner"].sudo()
        partner = Partner.browse(values.get("partner_id")).commercial_partner_id
        sender = Partner.browse(
            msg_dict.get("author_id") or values.get("partner_contact_id")
        )
        email = tools.email_normalize(msg_dict.get("email_from") or "")
        domain = email and email.rpartition("@")[2]
        if (
            not partner.is_company
            or sender.commercial_partner_id != partner
            or not domain
            or domain in team.company_id._support_public_mail_domain_set()
            or self._support_is_own_address(email)
        ):
            return Partner
        users = (sender | partner).with_context(active_test=False).user_ids
        if not all(users.mapped("share")) or (
            self.env["res.company"]
            .sudo()
            .search_count([("partner_id", "=", partner.id)], limit=1)
        ):
            return Partner
        return partner

    @api.model
    def _support_mail_create_project(self, partner, team):
        return (
            self.env["project.project"]
            .sudo()
            .with_company(team.company_id)
            .create(
                {
                    "name": partner.name,
                    "partner_id": partner.id,
                    "company_id": team.company_id.id,
                    "allow_timesheets": True,
                }
            )
        )

    @api.model
    def _support_mail_create_contract(self, partner, team, project):
        """A draft contract for a company with none (draft or active) yet."""
        Contract = self.env["support.contract"].sudo().with_company(team.company_id)
        if Contract.search_count(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", team.company_id.id),
                ("state", "in", ("draft", "active")),
            ],
            limit=1,
        ):
            return Contract
        return Contract.create(
            {
                "name": partner.name,
                "partner_id": partner.id,
                "company_id": team.company_id.id,
                "state": "draft",
                "sla_policy_id": team.sla_policy_id.id,
                "project_id": project.id,
                "user_id": team.user_id.id,
            }
        )

    @api.model
    def _support_mail_project(self, partner_id):
        """The customer's project: the newest one of the customer, else one named
        after its mail domain."""
        partner = self.env["res.partner"].browse(partner_id).commercial_partner_id
        Project = self.env["project.project"].sudo()
        project = Project.search(
            [("partner_id", "=", partner.id)], order="id desc", limit=1
        )
        if not project and partner.support_email_domain:
            project = Project.search(
                [("name", "=ilike", partner.support_email_domain)], limit=1
            )
        return project

    @api.model
    def _support_mail_route(self, message, message_dict, routes):
        """Post-process the gateway's routes of a mail to tickets.

        Finds the ticket of a reply whose headers were lost (``[T00042]`` in the
        subject), keeps on a ticket only the mails of senders allowed on it
        (the others open a ticket of their own, or are dropped), drops noise
        (automatic replies, our own mails, blacklisted and too frequent
        senders), and applies the team's closed-ticket policy.
        """
        MailThread = self.env["mail.thread"]
        holder = MailThread._support_mail_holder()
        if holder is None:
            holder = {}
        sender = tools.email_normalize(message_dict.get("email_from") or "") or ""
        others = [route for route in routes if route[0] != "support.ticket"]
        mine = [route for route in routes if route[0] == "support.ticket"]

        def drop(reason, details=None, ticket=None):
            MailThread._support_drop_reason(reason, details)
            if ticket and not holder.get("ticket"):
                holder["ticket"] = ticket
            return others

        if self._support_is_own_address(sender):
            return drop("loop", f"sent by our own address {sender}")
        if sender and self._support_is_blacklisted(sender, "notify"):
            return drop("blacklisted", sender)
        automated = MailThread._support_mail_automated_reason(message, message_dict)
        routed, refused = self._support_mail_check_routes(message, message_dict, mine)
        if not routed:
            return drop("not_allowed", sender, ticket=refused[:1])
        ticket = self.sudo().browse([route[1] for route in routed if route[1]][:1])
        if any(not route[1] for route in routed):
            if message.get("X-Support-Desk-Ticket"):
                return drop("loop", "our own notification came back", ticket=ticket)
            if automated:
                return drop("automated", automated)
        if self._support_mail_rate_exceeded(message_dict, sender):
            return drop("rate_limit", sender, ticket=ticket)
        if automated:
            holder["automated"] = True
            message_dict["is_internal"] = True
        if not others:
            # Kept on the message: "notify only addresses not already reached".
            message_dict["incoming_email_to"] = message_dict.get("to")
            message_dict["incoming_email_cc"] = message_dict.get("cc")
        return others + [
            self._support_mail_closed_route(route, automated) for route in routed
        ]

    @api.model
    def _support_mail_check_routes(self, message, message_dict, routes):
        """``(routes kept, tickets refused)`` of the mail's routes to tickets."""
        routed, refused = [], self.browse()
        for route in routes:
            checked = self._support_mail_allowed_route(message, message_dict, route)
            if checked:
                routed.append(checked)
            elif route[1]:
                refused |= self.sudo().browse(route[1])
        return routed, refused

    @api.model
    def _support_mail_allowed_route(self, message, message_dict, route):
        """The route of a mail to tickets once its reference is checked.

        A reference (headers, or the subject's number) keeps the mail on the
        ticket only for a sender allowed on it; any other sender gets a ticket of
        their own through the alias they wrote to, linked to nothing of the
        referenced one. ``None`` when no alias can open one: the mail is dropped.
        """
        model, thread_id, custom_values, user_id, alias = route
        if thread_id:
            ticket = self.sudo().browse(thread_id)
        else:
            ticket = self._support_mail_referenced_ticket(message_dict)
        if not ticket:
            return route
        sender = tools.email_normalize(message_dict.get("email_from") or "") or ""
        if ticket._support_mail_sender_allowed(sender):
            return (model, ticket.id, custom_values, user_id, alias)
        if not thread_id:
            # A number in the subject of a mail to an alias: the alias's own route.
            return route
        if not alias or alias.sudo().alias_model_id.model != self._name:
            return None
        # Nothing of the referenced ticket: not its thread, nor its note status.
        message_dict.pop("parent_id", None)
        message_dict.pop("is_internal", None)
        MailThread = self.env["mail.thread"]
        new_route = (
            model,
            False,
            MailThread._support_alias_defaults(alias),
            user_id,
            alias,
        )
        return (
            MailThread._routing_check_route(
                message, message_dict, new_route, raise_exception=False
            )
            or None
        )

    @api.model
    def _support_mail_unrouted(self, message, message_dict):
        """Route to the ticket named in the subject a mail that reached no alias,
        when its sender is allowed on the ticket (else it is dropped)."""
        sender = tools.email_normalize(message_dict.get("email_from") or "") or ""
        ticket = self._support_mail_referenced_ticket(message_dict)
        if not ticket:
            return []
        if not ticket._support_mail_sender_allowed(sender):
            self.env["mail.thread"]._support_drop_reason("not_allowed", sender)
            holder = self.env["mail.thread"]._support_mail_holder()
            if holder is not None:
                holder.setdefault("ticket", ticket)
            return []
        route = self.env["mail.thread"]._routing_check_route(
            message,
            message_dict,
            ("support.ticket", ticket.id, None, self.env.uid, None),
            raise_exception=False,
        )
        return [route] if route else []

    @api.model
    def _support_mail_restore_route(self, message, message_dict):
        """The route of a dropped mail restored by a manager: the ticket its
        headers or subject refer to if the sender is allowed there, else a new
        ticket through the team alias it was sent to (if any)."""
        MailThread = self.env["mail.thread"]
        sender = tools.email_normalize(message_dict.get("email_from") or "") or ""
        recipients = [
            e.lower() for e in tools.email_split(message_dict.get("recipients") or "")
        ]
        alias = (
            self.env["mail.alias"]
            .sudo()
            .search(
                [
                    ("alias_full_name", "in", recipients),
                    ("alias_model_id.model", "=", self._name),
                ],
                limit=1,
            )
            if recipients
            else self.env["mail.alias"]
        )
        user_id = (
            MailThread._mail_find_user_for_gateway(
                message_dict.get("email_from"), alias=alias
            ).id
            or self.env.uid
        )
        ticket = self._support_mail_header_ticket(
            message_dict
        ) or self._support_mail_referenced_ticket(message_dict)
        if ticket and ticket._support_mail_sender_allowed(sender):
            route = (self._name, ticket.id, None, user_id, None)
            route = self._support_mail_closed_route(route, False)
        else:
            message_dict.pop("parent_id", None)
            message_dict.pop("is_internal", None)
            defaults = MailThread._support_alias_defaults(alias) if alias else {}
            route = (self._name, False, defaults, user_id, None)
        # Finds the author among the partners, as for any incoming mail (no
        # alias in the route: a failure must not bounce a mail to the sender).
        checked = MailThread._routing_check_route(
            message, message_dict, route, raise_exception=False
        )
        return checked or route

    @api.model
    def _support_mail_header_ticket(self, message_dict):
        """The ticket a mail answers by its In-Reply-To/References headers."""
        references = tools.mail.unfold_references(
            message_dict.get("references") or message_dict.get("in_reply_to") or ""
        )
        references = [r.strip() for r in references][-32:]
        if not references:
            return self.browse()
        message = (
            self.env["mail.message"]
            .sudo()
            .search(
                [("message_id", "in", references), ("model", "=", self._name)],
                order="id desc",
                limit=1,
            )
        )
        return self.sudo().browse(message.res_id) if message.res_id else self.browse()

    @api.model
    def _support_mail_closed_route(self, route, automated):
        """A mail about a closed ticket of a team that opens new tickets for
        them becomes a new ticket linked to the old one."""
        model, thread_id, custom_values, user_id, alias = route
        ticket = self.sudo().browse(thread_id)
        if (
            not thread_id
            or automated
            or ticket.state not in CLOSED_STATES
            or ticket.team_id.mail_closed_policy != "new"
        ):
            return route
        values = {
            "team_id": ticket.team_id.id,
            "partner_id": ticket.partner_contact_id.id or ticket.partner_id.id,
            "final_partner_id": ticket.final_partner_id.id,
            "related_ticket_ids": [Command.link(ticket.id)],
        }
        return (model, False, values, user_id, alias)

    @api.model
    def _support_mail_referenced_ticket(self, message_dict):
        """The ticket named in the subject (``[T00042]``), in sudo: whether the
        sender may reach it is ``_support_mail_sender_allowed``'s to say."""
        numbers = TICKET_REF_RE.findall(message_dict.get("subject") or "")
        if not numbers:
            return self.browse()
        return self.sudo().search([("number", "in", numbers)], limit=1)

    def _support_mail_sender_allowed(self, sender):
        """Whether a mail from ``sender`` (normalized) that refers to this
        ticket may land on it: from its customers' contacts (and their
        company's, when the company shows all its tickets), its followers, its
        own addresses (sender, CC, extra notifications), or an internal user who
        can read it. A few indexed queries, whatever the ticket's size."""
        self.ensure_one()
        ticket = self.sudo()
        if not sender:
            return False
        if sender in ticket._support_known_addresses():
            return True
        partners = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("email_normalized", "=", sender)])
        )
        if not partners:
            return False
        customers = ticket._support_customer_partners()
        if partners & customers:
            return True
        visible = customers.commercial_partner_id.filtered(
            "support_portal_company_visible"
        )
        if visible and partners.commercial_partner_id & visible:
            return True
        if (
            self.env["mail.followers"]
            .sudo()
            .search_count(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "=", self.id),
                    ("partner_id", "in", partners.ids),
                ],
                limit=1,
            )
        ):
            return True
        users = partners.user_ids.filtered(lambda u: not u.share)
        return any(ticket.with_user(user).has_access("read") for user in users)

    def _support_mail_may_subscribe(self, author_id):
        """Whether the gateway may subscribe the author of an incoming mail:
        only one who can already read the ticket, or a customer contact with
        no login (who gets its mails anyway)."""
        self.ensure_one()
        author = self.env["res.partner"].sudo().browse(author_id or [])
        if not author:
            return False
        ticket = self.sudo()
        if author.user_ids:
            return any(
                ticket.with_user(user).has_access("read") for user in author.user_ids
            )
        return author in ticket._support_customer_partners()

    def _support_customer_partners(self):
        self.ensure_one()
        return (
            self.partner_id
            | self.partner_contact_id
            | self.final_partner_id
            | self.final_contact_id
        )

    def _support_known_addresses(self):
        """Normalized addresses the ticket itself names: sender, CC, extra
        notification addresses."""
        self.ensure_one()
        emails = {tools.email_normalize(self.email_from or "")}
        for text in (self.email_cc, self.extra_notify_emails):
            emails.update(
                tools.email_normalize(e) for e in tools.email_split(text or "")
            )
        return emails - {False, None, ""}

    @api.model
    def _support_is_own_address(self, email):
        return bool(email) and email in self._support_own_addresses()

    @api.model
    @tools.ormcache()
    def _support_own_addresses(self):
        """Catchall, bounce and alias addresses of the database: read for every
        incoming mail, so cached for the server; any change to an alias or an
        alias domain clears it (support.cache.mixin)."""
        domains = self.env["mail.alias.domain"].sudo().search([])
        aliases = (
            self.env["mail.alias"]
            .sudo()
            .search_read([("alias_full_name", "!=", False)], ["alias_full_name"])
        )
        return frozenset(
            domains.mapped("catchall_email")
            + domains.mapped("bounce_email")
            + [alias["alias_full_name"] for alias in aliases]
        ) - {False, None, ""}

    @api.model
    def _support_mail_rate_exceeded(self, message_dict, sender):
        """Whether the sender already wrote the company's hourly maximum."""
        limit = self.env.company.support_mail_rate_limit
        if limit <= 0 or not sender:
            return False
        domain = [
            ("model", "=", "support.ticket"),
            ("message_type", "=", "email"),
            ("create_date", ">=", self.env.cr.now() - timedelta(hours=1)),
        ]
        senders = [("email_from", "in", [message_dict.get("email_from"), sender])]
        if message_dict.get("author_id"):
            senders = ["|", ("author_id", "=", message_dict["author_id"]), *senders]
        domain += senders
        count = self.env["mail.message"].sudo().search_count(domain, limit=limit)
        return count >= limit
