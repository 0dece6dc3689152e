from urllib.parse import quote

from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request
from odoo.tools import groupby as groupbyelem
from odoo.tools import plaintext2html

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.support_stage import CLOSED_STATES

# Attachments customers may send with a ticket or a reply.
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_SIZE = 10 * 1024 * 1024
MAX_TITLE_LENGTH = 200
TICKETS_PER_PAGE = 20


class PortalInputError(Exception):
    """Input of a portal form that is refused: message and HTTP status."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.message = message
        self.status = status


def read_uploads(files):
    """Read the uploaded files, refusing too many or too large ones.

    :return: list of (name, content) tuples
    :raise PortalInputError: with status 400 (too many) or 413 (too large)
    """
    files = [f for f in files if f and f.filename]
    if len(files) > MAX_ATTACHMENTS:
        raise PortalInputError(
            request.env._("You can attach at most %s files.", MAX_ATTACHMENTS)
        )
    uploads = []
    for upload in files:
        content = upload.read(MAX_ATTACHMENT_SIZE + 1)
        if len(content) > MAX_ATTACHMENT_SIZE:
            raise PortalInputError(
                request.env._(
                    "The file %(name)s is larger than %(size)s MB.",
                    name=upload.filename,
                    size=MAX_ATTACHMENT_SIZE // (1024 * 1024),
                ),
                status=413,
            )
        uploads.append((upload.filename, content))
    return uploads


def parse_id(value):
    """An id posted by a form: a positive integer, or None when empty.

    :raise PortalInputError: when the value is not a number
    """
    if value in (None, "", "0", 0):
        return None
    try:
        record_id = int(value)
    except (TypeError, ValueError):
        raise PortalInputError(request.env._("Invalid value: %s", value)) from None
    if record_id <= 0:
        raise PortalInputError(request.env._("Invalid value: %s", value))
    return record_id


class SupportCustomerPortal(CustomerPortal):
    # ------------------------------------------------------------------
    # Home
    # ------------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "support_ticket_count" in counters:
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
        Ticket = request.env["support.ticket"]
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
        domain = list(base_domain)
        if type_id:
            domain.append(("type_id", "=", type_id))
        if priority_id:
            domain.append(("priority_id", "=", priority_id))

        # The filters offer the types and priorities of the customer's own
        # tickets: one grouped query for both.
        types = request.env["support.ticket.type"].sudo()
        priorities = request.env["support.priority"].sudo()
        for ticket_type, priority in Ticket._read_group(
            base_domain, ["type_id", "priority_id"]
        ):
            types |= ticket_type.sudo()
            priorities |= priority.sudo()
        types = types.sorted(lambda t: (t.sequence, t.name))
        priorities = priorities.sorted(lambda p: -p.sequence)

        order = sortings[sortby]["order"]
        group_field = groupbys[groupby]["field"]
        if group_field:
            order = f"{group_field}, {order}"
        total = Ticket.search_count(domain)
        pager = portal_pager(
            url="/my/tickets",
            url_args={
                "sortby": sortby,
                "filterby": filterby,
                "search_in": search_in,
                "search": search,
                "groupby": groupby,
                "type_id": type_id,
                "priority_id": priority_id,
            },
            total=total,
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
        values.update(
            {
                "tickets": tickets,
                "grouped_tickets": grouped_tickets,
                "page_name": "support_ticket",
                "default_url": "/my/tickets",
                "pager": pager,
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": filters,
                "filterby": filterby,
                "searchbar_inputs": inputs,
                "search_in": search_in,
                "search": search,
                "searchbar_groupby": groupbys,
                "groupby": groupby,
                "support_types": types,
                "support_priorities": priorities,
                "type_id": type_id,
                "priority_id": priority_id,
            }
        )
        return values

    @http.route(
        ["/my/tickets", "/my/tickets/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_support_tickets(self, page=1, **kw):
        values = self._prepare_support_tickets_values(
            page=page,
            sortby=kw.get("sortby"),
            filterby=kw.get("filterby"),
            search=kw.get("search"),
            search_in=kw.get("search_in", "all"),
            groupby=kw.get("groupby"),
            type_id=kw.get("type_id"),
            priority_id=kw.get("priority_id"),
        )
        request.session["my_support_tickets_history"] = values["tickets"].ids[:100]
        return request.render("support_desk.portal_my_support_tickets", values)

    # ------------------------------------------------------------------
    # Ticket
    # ------------------------------------------------------------------

    def _support_ticket_check_access(self, ticket_id, access_token=None):
        """The ticket in sudo once the customer may read it (record rules, or
        the ticket's access token).

        :raise werkzeug.exceptions.HTTPException: 404 when it does not exist,
            403 when the customer may not see it
        """
        try:
            return self._document_check_access(
                "support.ticket", ticket_id, access_token=access_token
            )
        except MissingError:
            raise NotFound() from None
        except AccessError:
            raise Forbidden() from None

    def _support_ticket_url(self, ticket, access_token=None, anchor=""):
        url = f"/my/tickets/{ticket.id}"
        if access_token:
            url += f"?access_token={access_token}"
        return url + anchor

    def _support_ticket_page_values(self, ticket_sudo, access_token=None, **kwargs):
        values = {
            "ticket": ticket_sudo,
            "page_name": "support_ticket",
            "portal_messages": ticket_sudo._get_portal_messages().sorted("id"),
            "portal_attachments": ticket_sudo._get_portal_attachments(),
            "can_close": ticket_sudo._portal_can_close(),
            "can_reopen": ticket_sudo._portal_can_reopen(),
            "reopen_days": ticket_sudo._get_portal_reopen_days(),
            "show_sla": "sla_deadline" in ticket_sudo._fields,
            "portal_tracking_lines": ticket_sudo._get_portal_tracking_lines(),
            "max_attachments": MAX_ATTACHMENTS,
            "max_attachment_mb": MAX_ATTACHMENT_SIZE // (1024 * 1024),
            "reply_error": kwargs.get("reply_error"),
            "reply_message": kwargs.get("reply_message", ""),
        }
        for attachment in (
            values["portal_messages"].attachment_ids | values["portal_attachments"]
        ):
            attachment.generate_access_token()
        return self._get_page_view_values(
            ticket_sudo,
            access_token,
            values,
            "my_support_tickets_history",
            False,
            **kwargs,
        )

    def _support_redirect_login(self):
        return request.redirect(
            "/web/login?redirect=" + quote(request.httprequest.full_path, safe="")
        )

    @http.route("/my/tickets/<int:ticket_id>", type="http", auth="public", website=True)
    def portal_my_support_ticket(self, ticket_id, access_token=None, **kw):
        if request.env.user._is_public() and not access_token:
            return self._support_redirect_login()
        ticket_sudo = self._support_ticket_check_access(ticket_id, access_token)
        values = self._support_ticket_page_values(ticket_sudo, access_token, **kw)
        return request.render("support_desk.portal_my_support_ticket", values)

    def _support_reply_author(self, ticket_sudo):
        """Who the reply is from: the user, or, by token, the ticket's customer."""
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
        message = (message or "").strip()
        try:
            uploads = read_uploads(request.httprequest.files.getlist("attachments"))
            if not message and not uploads:
                raise PortalInputError(
                    request.env._("Write a message or attach a file.")
                )
        except PortalInputError as error:
            values = self._support_ticket_page_values(
                ticket_sudo,
                access_token,
                reply_error=error.message,
                reply_message=message,
            )
            return request.render(
                "support_desk.portal_my_support_ticket", values, status=error.status
            )
        author = self._support_reply_author(ticket_sudo)
        ticket_sudo.with_context(mail_create_nosubscribe=True).message_post(
            body=plaintext2html(message) if message else "",
            author_id=author.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=uploads,
        )
        return request.redirect(
            self._support_ticket_url(ticket_sudo, access_token, "#ticket_conversation")
        )

    def _support_state_change(self, ticket_id, access_token, method):
        ticket_sudo = self._support_ticket_check_access(ticket_id, access_token)
        try:
            getattr(ticket_sudo, method)()
        except UserError as error:
            values = self._support_ticket_page_values(
                ticket_sudo, access_token, error=str(error)
            )
            return request.render(
                "support_desk.portal_my_support_ticket", values, status=409
            )
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
        name = (post.get("name") or "").strip()
        if not name:
            raise PortalInputError(_("The title is required."))
        if len(name) > MAX_TITLE_LENGTH:
            raise PortalInputError(
                _("The title is longer than %s characters.", MAX_TITLE_LENGTH)
            )
        description = (post.get("description") or "").strip()
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
    )
    def portal_support_ticket_new(self, **post):
        partner = request.env.user.partner_id
        if request.httprequest.method != "POST":
            values = self._support_new_ticket_values(partner)
            return request.render("support_desk.portal_support_ticket_new", values)
        try:
            vals = self._support_check_new_ticket(partner, post)
            uploads = read_uploads(request.httprequest.files.getlist("attachments"))
        except PortalInputError as error:
            values = self._support_new_ticket_values(partner, post, error.message)
            return request.render(
                "support_desk.portal_support_ticket_new", values, status=error.status
            )
        # Every value was checked above against what this customer may use.
        ticket_sudo = request.env["support.ticket"].sudo().create(vals)
        for name, content in uploads:
            request.env["ir.attachment"].sudo().create(
                {
                    "name": name,
                    "raw": content,
                    "res_model": "support.ticket",
                    "res_id": ticket_sudo.id,
                }
            )
        return request.redirect(self._support_ticket_url(ticket_sudo))
