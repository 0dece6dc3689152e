import logging
import re

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Fields the desk sets itself: numbering, opening, charge, SLA, tracking, the
# creation queue. Readonly in a view is no protection (JSON-RPC writes any
# field): only managers change them, and nobody changes the number.
PROTECTED_FIELDS = frozenset(
    {
        "number",
        "channel",
        "opened_by_id",
        "in_charge_user_id",
        "pbx_call_id",
        "mail_server_id",
        "sla_start_date",
        "sla_deadline",
        "sla_status",
        "sla_resolution_failed",
        "sla_paused_until_reply",
        "date_closed",
        "last_reply_date",
        "tracked_hours",
        "tracking_progress",
        "tracking_status",
        "state_display",
        "partner_cb_points",
        "creation_log_pending",
        "creation_mail_pending",
        "calendar_event_id",
        "state",
        "priority_sequence",
        "waiting_since",
        "customer_reminded_date",
        "reopen_count",
    }
)

# What anybody may give on creation: the channels a person opens a ticket on.
USER_CHANNELS = ("manual", "phone")

# Characters that break mail headers and PostgreSQL (NUL) in one-line texts.
LINE_BREAKS_RE = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]+")


class SupportTicket(models.Model):
    _inherit = "support.ticket"

    shared_user_ids = fields.Many2many(
        "res.users",
        "support_ticket_shared_user_rel",
        "ticket_id",
        "user_id",
        string="Shared with Users",
        domain="[('share', '=', False)]",
        groups="base.group_user",
    )
    shared_team_ids = fields.Many2many(
        "support.team",
        "support_ticket_shared_team_rel",
        "ticket_id",
        "team_id",
        string="Shared with Teams",
        groups="base.group_user",
    )
    is_followed_or_shared = fields.Boolean(
        string="Followed or Shared with Me",
        compute="_compute_is_followed_or_shared",
        search="_search_is_followed_or_shared",
    )
    is_followed_or_shared_not_own = fields.Boolean(
        string="Followed or Shared with Me, Not Mine",
        compute="_compute_is_followed_or_shared",
        search="_search_is_followed_or_shared_not_own",
        help="Technical: the followed or shared tickets that are not the user's own: "
        "for a portal user, those whose Account or Account Contact they are not; for "
        "an internal user, those they did not open and are neither assigned nor in "
        "charge of. The record rules grant those by themselves, and people follow "
        "their own tickets: the rules' lists of ids stay short.",
    )

    @api.depends_context("uid")
    @api.depends(
        "message_partner_ids",
        "shared_user_ids",
        "shared_team_ids",
        "partner_id",
        "partner_contact_id",
        "opened_by_id",
        "user_id",
        "in_charge_user_id",
    )
    def _compute_is_followed_or_shared(self):
        # record rules check the records read with this compute: only theirs
        saved = [ticket_id for ticket_id in self.ids if isinstance(ticket_id, int)]
        followed = set(self._support_followed_or_shared_ids(among=saved))
        user = self.env.user
        for ticket in self:
            ticket.is_followed_or_shared = ticket.id in followed
            if user.share:
                own = user.partner_id in (ticket.partner_id, ticket.partner_contact_id)
            else:
                own = user in (
                    ticket.opened_by_id | ticket.user_id | ticket.in_charge_user_id
                )
            ticket.is_followed_or_shared_not_own = ticket.id in followed and not own

    def _search_is_followed_or_shared(self, operator, value):
        """Tickets the user follows or that are shared with them or their teams.

        The ids are read first so that record rules OR this with indexed columns
        (team, assignee...): PostgreSQL can then combine index scans instead of
        running subqueries for every ticket row.
        """
        return self._support_followed_or_shared_domain(operator, value)

    def _search_is_followed_or_shared_not_own(self, operator, value):
        return self._support_followed_or_shared_domain(operator, value, not_own=True)

    def _support_followed_or_shared_domain(self, operator, value, not_own=False):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on 'Followed or Shared'."))
        ids = self._support_followed_or_shared_ids(not_own=not_own)
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", ids)]

    @api.model
    def _support_own_columns(self, user):
        """``{column: value}`` that make a ticket ``user``'s own."""
        if user.share:
            partner_id = user.partner_id.id
            return {"partner_contact_id": partner_id, "partner_id": partner_id}
        return {
            "opened_by_id": user.id,
            "user_id": user.id,
            "in_charge_user_id": user.id,
        }

    def _support_followed_or_shared_ids(self, not_own=False, among=None):
        """Ids of the tickets the user follows or that are shared with them or
        their teams; with ``not_own``, without the user's own tickets (see
        ``is_followed_or_shared_not_own``; anti-joins on indexes, see ``init``);
        with ``among`` (ids), only among those."""
        user = self.env.user
        partner_id = user.partner_id.id
        self.env["mail.followers"].flush_model(["res_model", "res_id", "partner_id"])
        self.flush_model(["shared_user_ids", "shared_team_ids"])
        own_columns = self._support_own_columns(user) if not_own else {}
        self.flush_model(list(own_columns))

        def mine_excluded(column):
            # per branch and owner column: the followers' branch then merges
            # sorted index scans
            conditions = [
                SQL(
                    " AND NOT EXISTS (SELECT 1 FROM support_ticket t"
                    " WHERE t.%s = %s AND t.id = %s)",
                    SQL.identifier(owner),
                    value,
                    SQL(column),
                )
                for owner, value in own_columns.items()
            ]
            if among is not None:
                conditions.append(SQL(" AND %s = ANY(%s)", SQL(column), list(among)))
            return SQL("").join(conditions)

        self.env.cr.execute(
            SQL(
                "SELECT res_id FROM mail_followers"
                " WHERE res_model = %s AND partner_id = %s%s"
                " UNION SELECT ticket_id FROM support_ticket_shared_user_rel"
                " WHERE user_id = %s%s"
                " UNION SELECT ticket_id FROM support_ticket_shared_team_rel"
                " WHERE team_id = ANY(%s)%s",
                self._name,
                partner_id,
                mine_excluded("mail_followers.res_id"),
                user.id,
                mine_excluded("support_ticket_shared_user_rel.ticket_id"),
                user.sudo().support_team_ids.ids,
                mine_excluded("support_ticket_shared_team_rel.ticket_id"),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        # A copy is a new ticket: the desk's own fields start afresh (channel
        # manual, the copier as opener...), unless the caller names them.
        given = set(default or ())
        return [
            dict(
                {
                    fname: value
                    for fname, value in vals.items()
                    if fname not in PROTECTED_FIELDS or fname in given
                },
                name=self.env._("%s (copy)", ticket.name),
            )
            for ticket, vals in zip(self, vals_list, strict=True)
        ]

    @api.model
    def _support_clean_vals(self, vals):
        """No NUL in any text (PostgreSQL refuses it), no line break in the
        title (it becomes every mail's subject)."""
        for fname, value in vals.items():
            if isinstance(value, str) and "\x00" in value:
                vals[fname] = value.replace("\x00", "")
        if isinstance(vals.get("name"), str):
            vals["name"] = LINE_BREAKS_RE.sub(" ", vals["name"]).strip()

    def _support_protected_fields_free(self):
        """The protected fields the current user may set like any other."""
        free = set()
        if self.env.user.has_group("support_desk.group_support_manager"):
            free |= PROTECTED_FIELDS - {"number"}
        if self.env.user.has_group("base.group_system"):
            free.add("mail_server_id")  # outgoing servers are theirs
        return free

    def _support_protected_field_allowed(self, fname, value):
        """Whether a user who is no manager may give ``value`` to the protected
        field ``fname`` of a new ticket: what the form or a phone call sets."""
        if not value:
            return True
        if fname == "channel":
            return value in USER_CHANNELS
        if fname == "opened_by_id":
            return value == self.env.uid
        if fname == "in_charge_user_id":
            return value == self.env.uid and self.env.user.has_group(
                "support_desk.group_support_agent"
            )
        if fname == "pbx_call_id":
            # The agent saving the ticket of a call they can read.
            call = self.env["support.pbx.call"].browse(value)
            return call.has_access("read")
        return False

    def _support_refuse_fields(self, fnames):
        labels = ", ".join(
            sorted(self._fields[fname].get_description(self.env)["string"]
                   for fname in fnames)
        )  # fmt: skip
        if "number" in fnames:
            return AccessError(
                self.env._("The ticket number comes from the sequence: %s.", labels)
            )
        return AccessError(
            self.env._("Only helpdesk managers can change these fields: %s.", labels)
        )

    @api.model
    def _check_protected_fields_create(self, vals_list):
        """Protected fields of new tickets, given in the values or as defaults
        in the context (which any caller controls)."""
        if self.env.su:
            return
        new = self.env._("New")
        free = self._support_protected_fields_free()
        refused = set()
        for vals in vals_list:
            for fname in PROTECTED_FIELDS - free:
                value = vals.get(fname, self.env.context.get(f"default_{fname}"))
                if fname == "number":
                    if value and value not in (new, "New"):
                        refused.add(fname)
                elif not self._support_protected_field_allowed(fname, value):
                    refused.add(fname)
        if refused:
            raise self._support_refuse_fields(refused)

    def _check_protected_fields_write(self, vals):
        """Only managers change the protected fields, nobody the number; writing
        a field's current value (an import, a form saving it) is no change."""
        given = PROTECTED_FIELDS & vals.keys()
        if self.env.su or not given:
            return
        refused = set()
        for fname in given - self._support_protected_fields_free():
            field = self._fields[fname]
            for ticket in self:
                value = field.convert_to_record(
                    field.convert_to_cache(vals[fname], ticket), ticket
                )
                if value != ticket[fname]:
                    refused.add(fname)
                    break
        if refused:
            raise self._support_refuse_fields(refused)
