from urllib.parse import quote

from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request
from odoo.tools import groupby as groupbyelem
from odoo.tools import plaintext2html

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.ticket.support_stage import CLOSED_STATES
from .portal_input import (
    MAX_ATTACHMENT_SIZE,
    MAX_ATTACHMENTS,
    MAX_DESCRIPTION_LENGTH,
    MAX_ID,
    MAX_SEARCH_LENGTH,
    MAX_TITLE_LENGTH,
    PortalInputError,
    check_text_fields,
    clean_text,
    clean_token,
    parse_id,
    read_uploads,
)
from .replica import is_replica_read, remember_write

TICKETS_PER_PAGE = 20


class SupportCustomerPortal(CustomerPortal):
    # ------------------------------------------------------------------
    # Home
    # ------------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        # counters comes from the request (/my/counters): a list, or nothing
        if isinstance(counters, list) and "support_ticket_count" in counters:
            Ticket = request.env["support.ticket"]
            values["support_ticket_count"] = (
                Ticket.search_count([]) if Ticket.has_access("read") else 0
            )
        return values

    # ------------------------------------------------------------------
    # List
    # ------------------------------------------------------------------

    def _support_searchbar_sortings(self):
        _ = request.env._
        return {
            "date": {"label": _("Newest"), "order": "create_date desc, id desc"},
            "number": {"label": _("Number"), "order": "number desc, id desc"},
            "name": {"label": _("Title"), "order": "name, id desc"},
            "priority": {
                "label": _("Priority"),
                "order": "priority_sequence desc, id desc",
            },
            "update": {"label": _("Last Update"), "order": "write_date desc, id desc"},
        }

    def _support_searchbar_filters(self):
        _ = request.env._
        return {
            "open": {
                "label": _("Open"),
                "domain": [("state", "not in", CLOSED_STATES)],
            },
            "closed": {
                "label": _("Closed"),
                "domain": [("state", "in", CLOSED_STATES)],
            },
            "all": {"label": _("All"), "domain": []},
        }

    def _support_searchbar_inputs(self):
        _ = request.env._
        return {
            "all": {"input": "all", "label": _("Search in All")},
            "number": {"input": "number", "label": _("Search in Number")},
            "name": {"input": "name", "label": _("Search in Title")},
            "description": {
                "input": "description",
                "label": _("Search in Description"),
            },
        }

    def _support_searchbar_groupby(self):
        _ = request.env._
        return {
            "none": {"label": _("None"), "field": False},
            "state": {"label": _("Status"), "field": "state"},
            "type": {"label": _("Type"), "field": "type_id"},
            "priority": {"label": _("Priority"), "field": "priority_id"},
        }

    def _support_search_domain(self, search_in, search):
        if not search:
            return []
        if search_in in ("number", "name", "description"):
            return [(search_in, "ilike", search)]
        return [
            "|",
            "|",
            ("number", "ilike", search),
            ("name", "ilike", search),
            ("description", "ilike", search),
        ]

    @staticmethod
    def _support_optional_id(value):
        try:
            return parse_id(value)
        except PortalInputError:
            return None

    def _prepare_support_tickets_values(
        self,
        page=1,
        sortby=None,
        filterby=None,
        search=None,
        search_in="all",
        groupby=None,
        type_id=None,
        priority_id=None,
    ):
        values = self._prepare_portal_layout_values()
        sortings = self._support_searchbar_sortings()
        filters = self._support_searchbar_filters()
        inputs = self._support_searchbar_inputs()
        groupbys = self._support_searchbar_groupby()
        sortby = sortby if sortby in sortings else "date"
        filterby = filterby if filterby in filters else "open"
        search_in = search_in if search_in in inputs else "all"
        groupby = groupby if groupby in groupbys else "none"
        type_id = self._support_optional_id(type_id)
        priority_id = self._support_optional_id(priority_id)

        base_domain = list(filters[filterby]["domain"])
        base_domain += self._support_search_domain(search_in, search)
        domain = base_domain + [
            (fname, "=", value)
            for fname, value in (("type_id", type_id), ("priority_id", priority_id))
            if value
        ]
        types, priorities = self._support_list_filter_options(base_domain)
        url_args = {
            "sortby": sortby,
            "filterby": filterby,
            "search_in": search_in,
            "search": search,
            "groupby": groupby,
            "type_id": type_id,
            "priority_id": priority_id,
        }
        group_field = groupbys[groupby]["field"]
        pager, tickets, grouped_tickets = self._support_list_page(
            domain, sortings[sortby]["order"], group_field, url_args, page
        )
        values.update(
            url_args,
            tickets=tickets,
            grouped_tickets=grouped_tickets,
            page_name="support_ticket",
            default_url="/my/tickets",
            pager=pager,
            searchbar_sortings=sortings,
            searchbar_filters=filters,
            searchbar_inputs=inputs,
            searchbar_groupby=groupbys,
            support_types=types,
            support_priorities=priorities,
        )
        return values

    def _support_list_filter_options(self, domain):
        """The types and priorities of the customer's own tickets, for the
        list's filters: one grouped query for both."""
        types = request.env["support.ticket.type"].sudo()
        priorities = request.env["support.priority"].sudo()
        for ticket_type, priority in request.env["support.ticket"]._read_group(
            domain, ["type_id", "priority_id"]
        ):
            types |= ticket_type.sudo()
            priorities |= priority.sudo()
        types = types.sorted(lambda t: (t.sequence, t.name))
        priorities = priorities.sorted(lambda p: -p.sequence)
        return types, priorities

    def _support_list_page(self, domain, order, group_field, url_args, page):
        """``(pager, tickets, grouped tickets)`` of one page of the list."""
        Ticket = request.env["support.ticket"]
        if group_field:
            order = f"{group_field}, {order}"
        pager = portal_pager(
            url="/my/tickets",
            url_args=url_args,
            total=Ticket.search_count(domain),
            page=page,
            step=TICKETS_PER_PAGE,
        )
        # Search as the customer (record rules), then read in sudo for display.
        tickets = Ticket.search(
            domain, order=order, limit=TICKETS_PER_PAGE, offset=pager["offset"]
        ).sudo()
        if group_field:
            grouped_tickets = [
                Ticket.sudo().concat(*group)
                for __, group in groupbyelem(tickets, key=lambda t: t[group_field])
            ]
        else:
            grouped_tickets = [tickets] if tickets else []
        return pager, tickets, grouped_tickets

    def _support_list_args(self, kw):
        """The list's arguments from the request: only these, and only text
        (a repeated or unknown parameter, a file, a number too large for an id
        fall back to the default).

        :raise PortalInputError: for a search term that is a file or too long
        """
        args = {
            key: kw.get(key) if isinstance(kw.get(key), str) else None
            for key in ("sortby", "filterby", "search_in", "groupby")
        }
        args["search_in"] = args["search_in"] or "all"
        args["search"] = clean_text(kw.get("search"), max_length=MAX_SEARCH_LENGTH)
        for key in ("type_id", "priority_id"):
            args[key] = self._support_optional_id(kw.get(key))
        return args

    @http.route(
        ["/my/tickets", "/my/tickets/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=is_replica_read,
    )
    def portal_my_support_tickets(self, page=1, **kw):
        try:
            args = self._support_list_args(kw)
        except PortalInputError as error:
            raise BadRequest(error.message) from None
        values = self._prepare_support_tickets_values(page=page, **args)
        request.session["my_support_tickets_history"] = values["tickets"].ids[:100]
        return request.render("support_desk.portal_my_support_tickets", values)

    # ------------------------------------------------------------------
    # Ticket
    # ------------------------------------------------------------------

    def _support_ticket_check_access(self, ticket_id, access_token=None):
        """The ticket in sudo once the customer may read it (record rules, or
        the ticket's access token). For display and replies only: a change
        needs ``_support_ticket_check_change`` too.

        :raise werkzeug.exceptions.HTTPException: 404 when it does not exist,
            403 when the customer may not see it
        """
        if not 0 < ticket_id <= MAX_ID:
            raise NotFound()
        try:
            return self._document_check_access(
                "support.ticket", ticket_id, access_token=clean_token(access_token)
            )
        except MissingError:
            raise NotFound() from None
        except AccessError:
            raise Forbidden() from None

    def _support_ticket_check_change(self, ticket_sudo):
        """Refuse unless the user (not the token) may change the ticket.

        :raise AccessError: see ``support.ticket._portal_check_change``
        """
        request.env["support.ticket"].browse(ticket_sudo.id)._portal_check_change()

    def _support_ticket_url(self, ticket, access_token=None, anchor=""):
        url = f"/my/tickets/{ticket.id}"
        access_token = clean_token(access_token)
        if access_token:
            url += f"?access_token={quote(access_token, safe='')}"
        return url + anchor

    def _support_ticket_page_values(
        self, ticket_sudo, access_token=None, error=None, reply_error=None,
        reply_message="",
    ):  # fmt: skip
        """Values of the ticket's page: never the request's parameters, which
        would override the page's own values."""
        access_token = clean_token(access_token)
        may_change = (
            request.env["support.ticket"].browse(ticket_sudo.id)._portal_may_change()
        )
        values = {
            "ticket": ticket_sudo,
            "page_name": "support_ticket",
            "portal_messages": ticket_sudo._get_portal_messages().sorted("id"),
            "portal_attachments": ticket_sudo._get_portal_attachments(),
            "can_close": may_change and ticket_sudo._portal_can_close(),
            "can_reopen": may_change and ticket_sudo._portal_can_reopen(),
            "reopen_days": ticket_sudo._get_portal_reopen_days(),
            "show_sla": "sla_deadline" in ticket_sudo._fields,
            "portal_tracking_lines": ticket_sudo._get_portal_tracking_lines(),
            "max_attachments": MAX_ATTACHMENTS,
            "max_attachment_mb": MAX_ATTACHMENT_SIZE // (1024 * 1024),
            "reply_error": reply_error,
            "reply_message": reply_message,
            **self._support_rating_values(ticket_sudo, access_token),
        }
        # Files get their download token when posted (mail.message.create);
        # only older files get one here (on a replica, Odoo then serves the
        # page again on the primary).
        values["portal_attachments"].filtered(
            lambda a: not a.access_token
        ).generate_access_token()
        values = self._get_page_view_values(
            ticket_sudo, access_token, values, "my_support_tickets_history", False
        )
        values["error"] = error
        return values

    def _support_rating_values(self, ticket_sudo, access_token):
        """The one-click rating links of a closed ticket, for the customer's
        company or whoever holds the ticket's link; a page view creates none."""
        partner = ticket_sudo._rating_get_partner()
        user = request.env.user
        allowed = clean_token(access_token) or (
            not user._is_public()
            and user.partner_id.commercial_partner_id == partner.commercial_partner_id
        )
        if (
            not allowed
            or ticket_sudo.state != "done"
            or not ticket_sudo.team_id.use_rating
        ):
            return {"rating_token": False, "rating_done": False}
        token = ticket_sudo._support_rating_token()
        rated = ticket_sudo.rating_ids.filtered(
            lambda r: r.consumed and r.partner_id == partner
        )
        return {"rating_token": token, "rating_done": not token and bool(rated)}

    def _support_render_ticket(self, ticket_sudo, access_token, status=200, **values):
        values = self._support_ticket_page_values(ticket_sudo, access_token, **values)
        return request.render(
            "support_desk.portal_my_support_ticket", values, status=status
        )

    def _support_redirect_login(self):
        return request.redirect(
            "/web/login?redirect=" + quote(request.httprequest.full_path, safe="")
        )

    @http.route(
        "/my/tickets/<int:ticket_id>",
        type="http",
        auth="public",
        website=True,
        readonly=is_replica_read,
    )
    def portal_my_support_ticket(self, ticket_id, access_token=None, **kw):
        # **kw: other parameters are accepted and ignored, never rendered
        if request.env.user._is_public() and not access_token:
            return self._support_redirect_login()
        ticket_sudo = self._support_ticket_check_access(ticket_id, access_token)
        return self._support_render_ticket(ticket_sudo, access_token)

    def _support_reply_author(self, ticket_sudo):
        """Who the reply is from: the user, or, by token, the ticket's customer;
        never a partner named by the request."""
        if not request.env.user._is_public():
            return request.env.user.partner_id
        return ticket_sudo.partner_contact_id or ticket_sudo.partner_id

    @http.route(
        "/my/tickets/<int:ticket_id>/reply",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_support_ticket_reply(
        self, ticket_id, access_token=None, message="", **kw
    ):
        ticket_sudo = self._support_ticket_check_access(ticket_id, access_token)
        try:
            message = clean_text(
                message, multiline=True, max_length=MAX_DESCRIPTION_LENGTH
            )
            uploads = read_uploads(request.httprequest.files.getlist("attachments"))
            if not message and not uploads:
                raise PortalInputError(
                    request.env._("Write a message or attach a file.")
                )
        except PortalInputError as error:
            return self._support_render_ticket(
                ticket_sudo,
                access_token,
                status=error.status,
                reply_error=error.message,
                reply_message=message if isinstance(message, str) else "",
            )
        # Replying needs read access only (as Odoo's portal chatter): the
        # author is fixed above and the reply subscribes nobody.
        author = self._support_reply_author(ticket_sudo)
        ticket_sudo.with_context(mail_create_nosubscribe=True).message_post(
            body=plaintext2html(message) if message else "",
            author_id=author.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=uploads,
        )
        remember_write()
        return request.redirect(
            self._support_ticket_url(ticket_sudo, access_token, "#ticket_conversation")
        )

    def _support_state_change(self, ticket_id, access_token, method):
        ticket_sudo = self._support_ticket_check_access(ticket_id, access_token)
        try:
            self._support_ticket_check_change(ticket_sudo)
            getattr(ticket_sudo, method)()
        except AccessError as error:
            return self._support_render_ticket(
                ticket_sudo, access_token, status=403, error=str(error)
            )
        except UserError as error:
            return self._support_render_ticket(
                ticket_sudo, access_token, status=409, error=str(error)
            )
        remember_write()
        return request.redirect(self._support_ticket_url(ticket_sudo, access_token))

    @http.route(
        "/my/tickets/<int:ticket_id>/close",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_support_ticket_close(self, ticket_id, access_token=None, **kw):
        return self._support_state_change(ticket_id, access_token, "_portal_close")

    @http.route(
        "/my/tickets/<int:ticket_id>/reopen",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_support_ticket_reopen(self, ticket_id, access_token=None, **kw):
        return self._support_state_change(ticket_id, access_token, "_portal_reopen")

    # ------------------------------------------------------------------
    # New ticket
    # ------------------------------------------------------------------

    def _support_new_ticket_values(self, partner, post=None, error=None):
        post = post or {}
        final_partner = None
        final_id = self._support_optional_id(post.get("final_partner_id"))
        final_partners = partner._get_support_final_partners()
        if final_id and final_id in final_partners.ids:
            final_partner = final_partners.browse(final_id)
        types = partner._get_support_allowed_types().filtered(
            lambda t: not t.company_id or t.company_id in request.env.user.company_ids
        )
        priority_types = types.filtered(lambda t: t.team_id.portal_priority)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "support_ticket_new",
                "support_types": types,
                "support_priorities": request.env["support.priority"].sudo().search([]),
                "priority_type_ids": priority_types.ids,
                "show_priority": bool(priority_types),
                "final_partners": final_partners,
                "equipments": partner._get_support_portal_equipment(final_partner),
                "max_attachments": MAX_ATTACHMENTS,
                "max_attachment_mb": MAX_ATTACHMENT_SIZE // (1024 * 1024),
                "post": post,
                "error": error,
            }
        )
        return values

    def _support_check_new_ticket(self, partner, post):
        """Validate the posted form into ticket values.

        :raise PortalInputError: 400 for missing or malformed input, 403 for
            records the customer may not use
        """
        _ = request.env._
        name = clean_text(post.get("name"))
        if not name:
            raise PortalInputError(_("The title is required."))
        if len(name) > MAX_TITLE_LENGTH:
            raise PortalInputError(
                _("The title is longer than %s characters.", MAX_TITLE_LENGTH)
            )
        description = clean_text(
            post.get("description"), multiline=True, max_length=MAX_DESCRIPTION_LENGTH
        )
        vals = {
            "name": name,
            "description": plaintext2html(description) if description else False,
            "partner_id": partner.id,
            "channel": "portal",
            "email_from": partner.email,
        }
        type_id = parse_id(post.get("type_id"))
        ticket_type = request.env["support.ticket.type"].sudo()
        if type_id:
            allowed = partner._get_support_allowed_types()
            ticket_type = allowed.filtered(lambda t: t.id == type_id)
            if not ticket_type or (
                ticket_type.company_id
                and ticket_type.company_id not in request.env.user.company_ids
            ):
                raise PortalInputError(_("This type is not available to you."), 403)
            vals["type_id"] = ticket_type.id
        priority_id = parse_id(post.get("priority_id"))
        if priority_id:
            if not ticket_type.team_id.portal_priority:
                raise PortalInputError(
                    _("You cannot choose the priority of this type of ticket."), 403
                )
            priority = request.env["support.priority"].sudo().browse(priority_id)
            if not priority.exists():
                raise PortalInputError(_("This priority does not exist."))
            vals["priority_id"] = priority.id
        return self._support_check_new_ticket_links(partner, post, vals)

    def _support_check_new_ticket_links(self, partner, post, vals):
        """The final customer and asset of a new ticket, among the customer's.

        :raise PortalInputError: for one that is not theirs
        """
        _ = request.env._
        final_id = parse_id(post.get("final_partner_id"))
        final_partner = None
        if final_id:
            final_partner = partner._get_support_final_partners().filtered(
                lambda p: p.id == final_id
            )
            if not final_partner:
                raise PortalInputError(
                    _("You cannot open tickets for this final customer."), 403
                )
            vals["final_partner_id"] = final_partner.id
        equipment_id = parse_id(post.get("equipment_id"))
        if equipment_id:
            equipment = partner._get_support_portal_equipment(final_partner).filtered(
                lambda e: e.id == equipment_id
            )
            if not equipment:
                raise PortalInputError(_("This asset is not yours."), 403)
            vals["equipment_id"] = equipment.id
        return vals

    @http.route(
        "/my/tickets/new",
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
        readonly=is_replica_read,
    )
    def portal_support_ticket_new(self, **post):
        partner = request.env.user.partner_id
        if request.httprequest.method != "POST":
            values = self._support_new_ticket_values(partner)
            return request.render("support_desk.portal_support_ticket_new", values)
        try:
            check_text_fields(post)
            vals = self._support_check_new_ticket(partner, post)
            uploads = read_uploads(request.httprequest.files.getlist("attachments"))
        except PortalInputError as error:
            # shown back in the form: text only
            post = {
                key: clean_text(value, multiline=True)
                for key, value in post.items()
                if isinstance(value, str)
            }
            values = self._support_new_ticket_values(partner, post, error.message)
            return request.render(
                "support_desk.portal_support_ticket_new", values, status=error.status
            )
        # Every value was checked above against what this customer may use.
        ticket_sudo = request.env["support.ticket"].sudo().create(vals)
        ticket_sudo._portal_post_customer_files(uploads, author=partner)
        remember_write()
        return request.redirect(self._support_ticket_url(ticket_sudo))
