import logging
import re
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from .calendar_event import TICKET_SYNC_FIELDS
from .mail_thread import NEW_TICKET, TICKET_REF_RE
from .support_stage import CLOSED_STATES

_logger = logging.getLogger(__name__)

# Fields whose change moves a ticket in or out of someone's systray count.
SYSTRAY_FIELDS = {"user_id", "in_charge_user_id", "stage_id", "active"}

# One plain address: no display name, no brackets, a dotted domain.
EMAIL_RE = re.compile(r"^[^\s@<>()\[\],;:\"]+@[\w-]+(\.[\w-]+)+$")

# The public web form sends its own acknowledgement (mail_template_ticket_web_ack).
ACK_CHANNELS = ("email", "portal")

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
        "creation_log_pending",
        "creation_mail_pending",
        "calendar_event_id",
        "state",
        "priority_sequence",
    }
)
# The next actions the form plans (support_desk.mail_activity_type_ticket_<kind>).
ACTIVITY_KINDS = ("meeting", "call", "task", "document")
# What anybody may give on creation: the channels a person opens a ticket on.
USER_CHANNELS = ("manual", "phone")
# Characters that break mail headers and PostgreSQL (NUL) in one-line texts.
LINE_BREAKS_RE = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]+")

CHANNELS = [
    ("manual", "Manual"),
    ("email", "Email"),
    ("portal", "Portal"),
    ("web", "Web Form"),
    ("phone", "Phone"),
]


class SupportTicket(models.Model):
    _name = "support.ticket"
    _inherit = ["portal.mixin", "mail.thread.cc", "mail.activity.mixin"]
    _description = "Support Ticket"
    _order = "priority_sequence desc, date_deadline, id desc"
    _rec_names_search = ["number", "name"]
    _primary_email = "email_from"
    _mail_post_access = "read"
    _check_company_auto = True

    def _default_stage_id(self):
        return self.env["support.stage"].browse(
            self.env["support.stage"]._get_new_stage_id()
        )

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        # Show every stage in the kanban, even empty ones.
        return stages.search([], order=stages._order)

    number = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        # no index=True: number_uniq's index serves the searches
        default=lambda self: self.env._("New"),
    )
    name = fields.Char(string="Title", required=True, tracking=True)
    description = fields.Html(sanitize_style=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        index=True,
    )
    color = fields.Integer()

    # Customers: the Account opens the ticket, the work is done for the Final Customer.
    partner_id = fields.Many2one(
        "res.partner",
        string="Account",
        tracking=True,
        check_company=True,
        domain="[('parent_id', '=', False)]",
    )
    partner_contact_id = fields.Many2one(
        "res.partner",
        string="Account Contact",
        check_company=True,
    )
    final_partner_id = fields.Many2one(
        "res.partner",
        string="Final Customer",
        tracking=True,
        index="btree_not_null",
        check_company=True,
        domain="[('parent_id', '=', False)]",
    )
    final_contact_id = fields.Many2one(
        "res.partner",
        string="Final Customer Contact",
        index="btree_not_null",
        check_company=True,
    )
    partner_vat = fields.Char(related="partner_id.vat", string="Tax ID")
    email_cc = fields.Char(groups="base.group_user")
    email_from = fields.Char(
        string="Email",
        compute="_compute_email_from",
        store=True,
        readonly=False,
        help="Address of the person who reported the ticket.",
    )

    # Classification
    team_id = fields.Many2one(
        "support.team",
        compute="_compute_team_id",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        index=True,
        check_company=True,
    )
    type_id = fields.Many2one(
        "support.ticket.type",
        tracking=True,
        index=True,
        check_company=True,
    )
    priority_id = fields.Many2one(
        "support.priority",
        compute="_compute_priority_id",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        index=True,
    )
    priority_sequence = fields.Integer(
        related="priority_id.sequence", store=True, index=True
    )
    priority_color = fields.Integer(
        related="priority_id.color", string="Priority Colour"
    )
    stage_id = fields.Many2one(
        "support.stage",
        default=_default_stage_id,
        group_expand="_read_group_stage_ids",
        tracking=True,
        index=True,
        copy=False,
        ondelete="restrict",
    )
    state = fields.Selection(related="stage_id.state", store=True, index=True)
    tag_ids = fields.Many2many("support.tag", string="Tags")
    channel = fields.Selection(
        CHANNELS,
        required=True,
        default="manual",
        index=True,
        readonly=True,
        groups="base.group_user",
    )
    is_external = fields.Boolean(
        string="External",
        help="The resolution of this ticket is up to an external supplier.",
        groups="base.group_user",
    )

    # People
    user_id = fields.Many2one(
        "res.users",
        string="Assigned to",
        tracking=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    in_charge_user_id = fields.Many2one(
        "res.users",
        string="In Charge",
        tracking=True,
        copy=False,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        groups="base.group_user",
    )
    opened_by_id = fields.Many2one(
        "res.users",
        string="Opened by",
        default=lambda self: self.env.user,
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    can_assign = fields.Boolean(
        compute="_compute_assign_scope", groups="base.group_user"
    )
    allowed_assign_user_ids = fields.Many2many(
        "res.users",
        compute="_compute_assign_scope",
        groups="base.group_user",
    )
    allowed_assign_team_ids = fields.Many2many(
        "support.team",
        compute="_compute_assign_scope",
        groups="base.group_user",
    )
    allowed_type_ids = fields.Many2many(
        "support.ticket.type", compute="_compute_allowed_type_ids"
    )
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
    ticket_properties = fields.Properties(
        string="Custom Fields",
        definition="type_id.ticket_properties_definition",
        copy=True,
        groups="base.group_user",
    )
    pbx_call_id = fields.Many2one(
        "support.pbx.call",
        string="Phone Call",
        index="btree_not_null",
        copy=False,
        help="The call this ticket was opened from.",
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

    # Links
    equipment_id = fields.Many2one(
        "maintenance.equipment",
        string="Asset",
        index="btree_not_null",
        check_company=True,
    )
    contract_id = fields.Many2one(
        "support.contract",
        compute="_compute_contract_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        tracking=True,
        check_company=True,
        domain="[('state', '=', 'active'), "
        "('partner_id', 'in', (partner_id, final_partner_id))]",
        groups="base.group_user",
    )
    sla_policy_id = fields.Many2one(
        "support.sla.policy",
        string="SLA Policy",
        compute="_compute_sla_policy_id",
        groups="base.group_user",
        help="The contract's policy, else the team's default one.",
    )
    sla_line_ids = fields.One2many(
        "support.ticket.sla", "ticket_id", string="SLA", groups="base.group_user"
    )
    sla_start_date = fields.Datetime(
        string="SLA Start",
        readonly=True,
        copy=False,
        help="When the SLA clock started: the creation, or the next working time.",
        groups="base.group_user",
    )
    sla_deadline = fields.Datetime(
        string="SLA Deadline",
        compute="_compute_sla_fields",
        store=True,
        index=True,
        help="The nearest deadline among the targets not met yet.",
    )
    sla_status = fields.Selection(
        [
            ("none", "No SLA"),
            ("ongoing", "Running"),
            ("paused", "Paused"),
            ("reached", "Met"),
            ("failed", "Failed"),
        ],
        string="SLA Status",
        compute="_compute_sla_fields",
        store=True,
        index=True,
    )
    sla_resolution_failed = fields.Boolean(
        compute="_compute_sla_fields", store=True, groups="base.group_user"
    )
    sla_paused_until_reply = fields.Boolean(
        string="SLA Paused until Reply",
        copy=False,
        help="The SLA is paused until the customer replies or the stage changes.",
        groups="base.group_user",
    )
    related_ticket_ids = fields.Many2many(
        "support.ticket",
        "support_ticket_related_rel",
        "ticket_id",
        "related_id",
        string="Related Tickets",
        copy=False,
        groups="base.group_user",
    )
    reference = fields.Char(
        string="Practice Reference",
        help="Practice code of the customer or supplier.",
        groups="base.group_user",
    )
    product_id = fields.Many2one(
        "product.product", check_company=True, groups="base.group_user"
    )
    project_id = fields.Many2one(
        "project.project",
        index="btree_not_null",
        check_company=True,
        groups="base.group_user",
    )
    attachment_ids = fields.One2many(
        "ir.attachment",
        "res_id",
        string="Attachments",
        domain=[("res_model", "=", "support.ticket")],
    )

    # Planning
    estimate_hours = fields.Float(string="Estimate (Hours)", groups="base.group_user")
    date_planned_start = fields.Datetime(string="Planned Start", tracking=True)
    date_deadline = fields.Datetime(string="Deadline", tracking=True, index=True)
    is_expired = fields.Boolean(
        string="Expired",
        compute="_compute_is_expired",
        search="_search_is_expired",
        help="The deadline has passed and the ticket is neither closed nor cancelled.",
    )
    date_closed = fields.Datetime(
        string="Closed on",
        compute="_compute_date_closed",
        store=True,
        copy=False,
    )
    last_reply_date = fields.Datetime(
        string="Last Reply",
        readonly=True,
        copy=False,
        index=True,
        groups="base.group_user",
    )
    closing_note = fields.Html()
    calendar_event_id = fields.Many2one(
        "calendar.event",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        groups="base.group_user",
        help="The event showing this ticket in its assignee's calendar.",
    )

    # Tracking (timesheet lines)
    timesheet_ids = fields.One2many(
        "account.analytic.line",
        "support_ticket_id",
        string="Tracking",
        groups="base.group_user",
    )
    tracked_hours = fields.Float(
        compute="_compute_tracked_hours",
        store=True,
        precompute=True,  # a new ticket's lines are in memory: no query
        help="Time tracked on the ticket, billable or not.",
        groups="base.group_user",
    )
    tracking_progress = fields.Float(
        string="Progress",
        compute="_compute_tracking_status",
        store=True,
        aggregator="avg",
        help="Tracked hours as a percentage of the estimate.",
        groups="base.group_user",
    )
    tracking_status = fields.Selection(
        [
            ("none", "No Tracking"),
            ("no_estimate", "Tracked, No Estimate"),
            ("within", "Within Estimate"),
            ("over", "Over Estimate"),
        ],
        compute="_compute_tracking_status",
        store=True,
        index=True,
        groups="base.group_user",
    )

    # Agent workspace: next action, unread marks
    next_activity_id = fields.Many2one(
        "mail.activity",
        string="Next Action",
        compute="_compute_next_activity_id",
        help="The planned action due first.",
        groups="base.group_user",
    )
    next_activity_category = fields.Selection(
        [
            ("default", "None"),
            ("upload_file", "Upload Document"),
            ("phonecall", "Phonecall"),
            ("meeting", "Meeting"),
        ],
        string="Next Action Kind",
        compute="_compute_next_activity_id",
        groups="base.group_user",
    )
    is_unread = fields.Boolean(
        string="Unread",
        compute="_compute_is_unread",
        search="_search_is_unread",
        help="A reply or a note arrived that you have not seen yet.",
    )
    support_message_ids = fields.One2many(
        "mail.message",
        "res_id",
        string="Conversation",
        domain=[
            ("model", "=", "support.ticket"),
            ("message_type", "in", ("comment", "email", "email_outgoing")),
        ],
        groups="base.group_user",
    )

    _sql_constraints = [
        ("number_uniq", "unique (number)", "The ticket number must be unique."),
    ]

    def init(self):
        # Open tickets are what agents list, count and group all day. Two partial
        # indexes keep them small: one in list order, one covering what record
        # rules, counts, groupings and the search panel read, so those are
        # index-only scans that never touch the closed history.
        open_states = SQL("state IN ('new', 'in_progress', 'on_hold')")
        for name, columns in (
            (
                "support_ticket_open_order_idx",
                "priority_sequence DESC, date_deadline, id DESC",
            ),
            (
                "support_ticket_open_cover_idx",
                "team_id, stage_id) INCLUDE (company_id, active, state, user_id, "
                "opened_by_id, in_charge_user_id, priority_id, type_id, "
                "tracking_status",
            ),
        ):
            self.env.cr.execute(
                SQL(
                    "CREATE INDEX IF NOT EXISTS %s ON support_ticket (%s) WHERE %s",
                    SQL.identifier(name),
                    SQL(columns),
                    open_states,
                )
            )
        # The columns that make a ticket the user's own, with the id: the
        # rules' "followed, not mine" anti-joins read only these indexes (see
        # _support_followed_or_shared_ids); they replace the columns' own.
        self.env.cr.execute(
            "DROP INDEX IF EXISTS support_ticket__partner_id_index, "
            "support_ticket__partner_contact_id_index, "
            "support_ticket__user_id_index, support_ticket__in_charge_user_id_index, "
            "support_ticket__opened_by_id_index, "
            # a copy of number_uniq's (number had index=True): one more index
            # to write for every ticket
            "support_ticket__number_index"
        )
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS support_ticket_creation_queue_idx "
            "ON support_ticket (id) WHERE creation_log_pending OR creation_mail_pending"
        )
        owner_indexes = [
            (
                f"support_ticket_{column.removesuffix('_id')}_idx",
                "support_ticket",
                f"{column}, id",
                None,  # whole: lists filter on "unassigned" too
            )
            for column in ("user_id", "in_charge_user_id", "opened_by_id")
        ]
        for name, table, columns, where in owner_indexes + [
            (
                "support_ticket_partner_idx",
                "support_ticket",
                "partner_id, id",
                "partner_id IS NOT NULL",
            ),
            (
                "support_ticket_partner_contact_idx",
                "support_ticket",
                "partner_contact_id, id",
                "partner_contact_id IS NOT NULL",
            ),
            (
                "support_ticket_mail_followers_partner_idx",
                "mail_followers",
                "partner_id, res_id",
                "res_model = 'support.ticket'",
            ),
        ]:
            self.env.cr.execute(
                SQL(
                    "CREATE INDEX IF NOT EXISTS %s ON %s (%s)%s",
                    SQL.identifier(name),
                    SQL.identifier(table),
                    SQL(columns),
                    SQL(" WHERE " + where) if where else SQL(),
                )
            )

    @api.depends("team_id")
    def _compute_company_id(self):
        for ticket in self:
            if ticket.team_id:
                ticket.company_id = ticket.team_id.company_id
            elif not ticket.company_id:
                ticket.company_id = self.env.company

    @api.depends("partner_contact_id.email", "partner_id.email")
    def _compute_email_from(self):
        for ticket in self:
            contact = ticket.partner_contact_id or ticket.partner_id
            if contact.email:
                ticket.email_from = contact.email

    @api.depends("partner_id", "final_partner_id", "equipment_id")
    def _compute_contract_id(self):
        Contract = self.env["support.contract"]
        for ticket in self:
            ticket.contract_id = Contract._find_for_ticket(
                ticket.partner_id, ticket.final_partner_id, ticket.equipment_id
            )

    @api.depends("sla_line_ids.status", "sla_line_ids.deadline", "sla_line_ids.paused")
    def _compute_sla_fields(self):
        for ticket in self:
            lines = ticket.sla_line_ids
            running = lines.filtered(lambda sla: sla.status == "ongoing")
            deadlines = [sla.deadline for sla in running if sla.deadline]
            ticket.sla_deadline = min(deadlines) if deadlines else False
            ticket.sla_resolution_failed = any(
                sla.target == "resolution" and sla.status == "failed" for sla in lines
            )
            if not lines:
                ticket.sla_status = "none"
            elif any(sla.status == "failed" for sla in lines):
                ticket.sla_status = "failed"
            elif running and all(sla.paused for sla in running):
                ticket.sla_status = "paused"
            elif running:
                ticket.sla_status = "ongoing"
            else:
                ticket.sla_status = "reached"
        self.env["calendar.event"]._support_ticket_sync_later(self, "sla_deadline")

    @api.depends("type_id")
    def _compute_team_id(self):
        # Type -> team routing wins over a team chosen by hand.
        for ticket in self:
            if ticket.type_id.team_id:
                ticket.team_id = ticket.type_id.team_id

    @api.depends("contract_id.sla_policy_id", "team_id.sla_policy_id")
    def _compute_sla_policy_id(self):
        for ticket in self:
            ticket.sla_policy_id = ticket._support_sla_policy()

    def _support_sla_policy(self):
        """The SLA of the ticket: its contract's policy, else its team's."""
        self.ensure_one()
        return self.contract_id.sla_policy_id or self.team_id.sla_policy_id

    @api.depends("team_id")
    def _compute_priority_id(self):
        default = None  # read only if a ticket needs it
        for ticket in self.filtered(lambda t: not t.priority_id):
            priority = ticket.team_id.default_priority_id
            if not priority:
                if default is None:
                    default = self._get_default_priority()
                priority = default
            ticket.priority_id = priority

    @api.depends_context("uid")
    def _compute_assign_scope(self):
        teams, users = self.env["res.users"]._support_assign_scope()
        for ticket in self:
            ticket.can_assign = bool(teams or users)
            ticket.allowed_assign_team_ids = teams
            ticket.allowed_assign_user_ids = users

    @api.depends("partner_id")
    def _compute_allowed_type_ids(self):
        defaults = self.env["support.ticket.type"].search([("is_default", "=", True)])
        for ticket in self:
            own = ticket.partner_id.commercial_partner_id.sudo().support_type_ids
            ticket.allowed_type_ids = own or defaults

    def _compute_access_url(self):
        for ticket in self:
            ticket.access_url = f"/my/tickets/{ticket.id}"

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

    def _support_followed_or_shared_ids(self, not_own=False, among=None):
        """Ids of the tickets the user follows or that are shared with them or
        their teams; with ``not_own``, without the user's own tickets (see
        ``is_followed_or_shared_not_own``; anti-joins on indexes, see ``init``);
        with ``among`` (ids), only among those."""
        user = self.env.user
        partner_id = user.partner_id.id
        self.env["mail.followers"].flush_model(["res_model", "res_id", "partner_id"])
        self.flush_model(["shared_user_ids", "shared_team_ids"])
        if not not_own:
            own_columns = {}
        elif user.share:
            own_columns = {"partner_contact_id": partner_id, "partner_id": partner_id}
        else:
            own_columns = {
                "opened_by_id": user.id,
                "user_id": user.id,
                "in_charge_user_id": user.id,
            }
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

    @api.depends("date_deadline", "state", "sla_resolution_failed")
    def _compute_is_expired(self):
        now = fields.Datetime.now()
        for ticket in self:
            late = ticket.sla_resolution_failed or (
                ticket.date_deadline and ticket.date_deadline < now
            )
            ticket.is_expired = bool(late and ticket.state not in CLOSED_STATES)

    def _search_is_expired(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on the Expired field."))
        now = fields.Datetime.now()
        expired = [
            "&",
            ("state", "not in", CLOSED_STATES),
            "|",
            ("date_deadline", "<", now),
            ("sla_resolution_failed", "=", True),
        ]
        if (operator == "=") == value:
            return expired
        return [
            "|",
            ("state", "in", CLOSED_STATES),
            "&",
            ("sla_resolution_failed", "=", False),
            "|",
            ("date_deadline", "=", False),
            ("date_deadline", ">=", now),
        ]

    @api.depends("state")
    def _compute_date_closed(self):
        now = fields.Datetime.now()
        for ticket in self:
            if ticket.state in CLOSED_STATES:
                ticket.date_closed = ticket.date_closed or now
            else:
                ticket.date_closed = False

    @api.depends("timesheet_ids.unit_amount")
    def _compute_tracked_hours(self):
        saved = self.filtered("id")
        hours = dict(
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [("support_ticket_id", "in", saved.ids)],
                ["support_ticket_id"],
                ["unit_amount:sum"],
            )
        )
        for ticket in saved:
            ticket.tracked_hours = hours.get(ticket, 0.0)
        for ticket in self - saved:
            # Not saved yet (form onchange): add up the lines in memory.
            ticket.tracked_hours = sum(ticket.timesheet_ids.mapped("unit_amount"))

    @api.depends("tracked_hours", "estimate_hours")
    def _compute_tracking_status(self):
        for ticket in self:
            estimate, tracked = ticket.estimate_hours, ticket.tracked_hours
            ticket.tracking_progress = (
                100.0 * tracked / estimate if estimate > 0 else 0.0
            )
            if not tracked:
                ticket.tracking_status = "none"
            elif estimate <= 0:
                ticket.tracking_status = "no_estimate"
            elif tracked > estimate:
                ticket.tracking_status = "over"
            else:
                ticket.tracking_status = "within"

    @api.depends("number", "name")
    def _compute_display_name(self):
        for ticket in self:
            ticket.display_name = (
                f"[{ticket.number}] {ticket.name}" if ticket.number else ticket.name
            )

    @api.constrains(
        "partner_id", "partner_contact_id", "final_partner_id", "final_contact_id"
    )
    def _check_contacts(self):
        for ticket in self:
            for company, contact in (
                (ticket.partner_id, ticket.partner_contact_id),
                (ticket.final_partner_id, ticket.final_contact_id),
            ):
                if (
                    contact
                    and contact.commercial_partner_id != company.commercial_partner_id
                ):
                    raise ValidationError(
                        self.env._(
                            "The contact %(contact)s does not belong to %(company)s.",
                            contact=contact.display_name,
                            company=company.display_name
                            or self.env._("an empty customer"),
                        )
                    )

    @api.constrains("type_id", "partner_id")
    def _check_type_allowed(self):
        for ticket in self:
            if not ticket.type_id or not ticket.partner_id:
                continue
            if ticket.type_id not in ticket.partner_id._get_support_allowed_types():
                raise ValidationError(
                    self.env._(
                        "The type %(type)s is not available to the customer "
                        "%(customer)s.",
                        type=ticket.type_id.name,
                        customer=ticket.partner_id.display_name,
                    )
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

    @api.constrains("date_planned_start", "date_deadline")
    def _check_dates(self):
        for ticket in self:
            if (
                ticket.date_planned_start
                and ticket.date_deadline
                and ticket.date_deadline < ticket.date_planned_start
            ):
                raise ValidationError(
                    self.env._("The deadline cannot be earlier than the planned start.")
                )

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        if self.partner_id.parent_id:
            self.partner_contact_id = self.partner_id
            self.partner_id = self.partner_id.commercial_partner_id
        elif (
            self.partner_contact_id
            and self.partner_contact_id.commercial_partner_id != self.partner_id
        ):
            self.partner_contact_id = False

    @api.onchange("final_partner_id")
    def _onchange_final_partner_id(self):
        if self.final_partner_id.parent_id:
            self.final_contact_id = self.final_partner_id
            self.final_partner_id = self.final_partner_id.commercial_partner_id
        elif (
            self.final_contact_id
            and self.final_contact_id.commercial_partner_id != self.final_partner_id
        ):
            self.final_contact_id = False

    @api.onchange("team_id")
    def _onchange_team_id(self):
        if self.team_id.default_type_id and not self.type_id:
            self.type_id = self.team_id.default_type_id

    @api.model_create_multi
    def create(self, vals_list):
        # Our own copies: the number and flags set below must not stay in the
        # caller's dicts (an import retries failed batches with them).
        vals_list = [dict(vals) for vals in vals_list]
        for vals in vals_list:
            self._support_clean_vals(vals)
        self._check_protected_fields_create(vals_list)
        self._check_assign_vals(vals_list)
        for vals in vals_list:
            self._normalize_customer_vals(vals)
            self._apply_type_routing(vals)
            if vals.get("team_id") and not vals.get("type_id"):
                team = self.env["support.team"].browse(vals["team_id"])
                if team.default_type_id:
                    vals["type_id"] = team.default_type_id.id
            # ir.sequence draws from a PostgreSQL sequence: safe under concurrency.
            if not vals.get("number") or vals["number"] == self.env._("New"):
                vals["number"] = self._get_next_number()
        log = not self.env.context.get("mail_create_nolog")
        automated = self.env.context.get("support_mail_automated")
        for vals in vals_list:
            self._auto_assign_vals(vals)
            # "Ticket opened", the creation rules' notices and the
            # acknowledgement are made by a queue, in batches: opening a ticket
            # writes the ticket and its SLA, nothing more.
            vals["creation_log_pending"] = log
            vals["creation_mail_pending"] = not automated
        tickets = (
            super(SupportTicket, self.with_context(mail_create_nolog=True))
            .create(vals_list)
            .with_env(self.env)
        )
        tickets._sla_apply()
        tickets._sync_related_tickets()
        if log or not automated:
            self._support_trigger_creation_queue()
        self._support_systray_notify(tickets._support_systray_users())
        self.env["calendar.event"]._support_ticket_sync_later(tickets)
        return tickets

    def write(self, vals):
        self._support_clean_vals(vals)
        self._check_protected_fields_write(vals)
        self._normalize_customer_vals(vals, fill_company=False)
        if "user_id" in vals or "team_id" in vals:
            changing = self.filtered(
                lambda t: (
                    ("user_id" in vals and t.user_id.id != (vals["user_id"] or False))
                    or (
                        "team_id" in vals and t.team_id.id != (vals["team_id"] or False)
                    )
                )
            )
            if changing:
                changing._check_assign_vals([vals], creating=False)
                # Two administrators assigning at once: the second one is told.
                changing._lock_for_update()
        if "team_id" not in vals:
            self._apply_type_routing(vals)
            if "team_id" in vals:
                # A routed type moves the ticket: like changing the team, for
                # administrators only, unless the ticket has no team yet.
                moving = self.filtered(
                    lambda t: t.team_id and t.team_id.id != vals["team_id"]
                )
                if moving:
                    moving._check_assign_vals(
                        [{"team_id": vals["team_id"]}], creating=False
                    )
        else:
            self._apply_type_routing(vals)
        old_related = (
            {ticket: ticket.related_ticket_ids for ticket in self}
            if "related_ticket_ids" in vals
            else None
        )
        old_states = (
            {ticket: ticket.state for ticket in self} if "stage_id" in vals else {}
        )
        systray_before = (
            self._support_systray_users() if SYSTRAY_FIELDS & vals.keys() else None
        )
        res = super().write(vals)
        if systray_before is not None:
            self._support_systray_notify(systray_before | self._support_systray_users())
        if old_related is not None:
            self._sync_related_tickets(old_related)
        if old_states:
            self._sla_on_state_change(old_states)
        if {
            "priority_id",
            "contract_id",
            "partner_id",
            "final_partner_id",
            "team_id",
        } & vals.keys():
            self._sla_apply()
        if TICKET_SYNC_FIELDS & vals.keys():
            self.env["calendar.event"]._support_ticket_sync_later(self)
        return res

    def unlink(self):
        users = self._support_systray_users()
        events = self.sudo().calendar_event_id
        res = super().unlink()
        self._support_systray_notify(users)
        events.exists().unlink()
        return res

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

    def action_take_in_charge(self):
        """Set the current user in charge, even when someone else is assigned."""
        if not self.env.user.has_group("support_desk.group_support_agent"):
            raise AccessError(
                self.env._("Only support agents can take tickets in charge.")
            )
        # In charge is a protected field: written in sudo once the user may
        # change these tickets.
        self.check_access("write")
        self._lock_for_update()
        taken = self.filtered(
            lambda t: t.in_charge_user_id and t.in_charge_user_id != self.env.user
        )
        if taken:
            raise UserError(
                self.env._(
                    "%(ticket)s is already in charge of %(user)s.",
                    ticket=taken[0].display_name,
                    user=taken[0].in_charge_user_id.name,
                )
            )
        vals = {"in_charge_user_id": self.env.uid}
        new_tickets = self.filtered(lambda t: t.state == "new")
        (self - new_tickets).sudo().write(vals)
        stage = self._get_take_charge_stage()
        if stage:
            vals["stage_id"] = stage.id
        new_tickets.sudo().write(vals)
        return True

    def action_release_charge(self):
        mine = self.filtered(lambda t: t.in_charge_user_id == self.env.user)
        mine.check_access("write")
        mine.sudo().write({"in_charge_user_id": False})
        return True

    def _lock_for_update(self):
        """Lock the rows so that two agents cannot take the same ticket at once."""
        if not self.ids:
            return
        # SKIP LOCKED leaves out the rows another transaction holds, without
        # waiting and without aborting ours.
        self.env.cr.execute(
            "SELECT id FROM support_ticket WHERE id IN %s FOR UPDATE SKIP LOCKED",
            [tuple(self.ids)],
        )
        if len(self.env.cr.fetchall()) != len(self.ids):
            raise UserError(
                self.env._(
                    "Another user is updating this ticket right now. "
                    "Reload it and try again."
                )
            )
        self.invalidate_recordset(["in_charge_user_id", "stage_id"])

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

    @api.model
    def _check_assign_vals(self, vals_list, creating=True):
        """Only ticket administrators assign, and only within their scope.

        On creation anybody may address a team (that is routing, as a mail alias
        does); the assignee is for administrators only.
        """
        if self.env.su:
            return
        teams = users = None
        for vals in vals_list:
            sets_user = bool(vals.get("user_id")) if creating else "user_id" in vals
            sets_team = not creating and "team_id" in vals
            if not (sets_user or sets_team):
                continue
            if teams is None:
                teams, users = self.env["res.users"]._support_assign_scope()
            if not (teams or users):
                raise AccessError(
                    self.env._("Only ticket administrators can assign tickets.")
                )
            if sets_user and vals["user_id"] and vals["user_id"] not in users.ids:
                raise AccessError(
                    self.env._(
                        "You cannot assign tickets to %s.",
                        self.env["res.users"].browse(vals["user_id"]).sudo().name,
                    )
                )
            if sets_team and vals["team_id"] and vals["team_id"] not in teams.ids:
                raise AccessError(
                    self.env._(
                        "You cannot assign tickets to the team %s.",
                        self.env["support.team"].browse(vals["team_id"]).sudo().name,
                    )
                )

    @api.model
    def _auto_assign_vals(self, vals):
        if vals.get("user_id") or not vals.get("team_id"):
            return
        team = self.env["support.team"].browse(vals["team_id"]).sudo()
        user = team._pick_assignee()
        if user:
            vals["user_id"] = user.id

    def _get_team_ticket_admins(self):
        """Ticket administrators whose scope covers the team, else the managers."""
        self.ensure_one()
        admins = (
            self._support_xmlid_record("support_desk.group_support_ticket_admin")
            .sudo()
            .users
        )
        admins = admins.filtered(lambda u: u.active and not u.share)
        scoped = admins.filtered(lambda u: self.team_id in u.support_assign_team_ids)
        if self.team_id and scoped:
            return scoped
        return admins.filtered(
            lambda u: u.has_group("support_desk.group_support_manager")
        )

    @api.model
    def _support_xmlid_record(self, xmlid):
        """``env.ref`` without its existence query, for the records that every
        ticket creation reads (data of this module and of mail)."""
        model, res_id = self.env["ir.model.data"]._xmlid_to_res_model_res_id(
            xmlid, raise_if_not_found=True
        )
        return self.env[model].browse(res_id)

    @api.model
    def _get_next_number(self):
        # as ir.sequence.next_by_code, without its search for every ticket
        sequence = (
            self.env["ir.sequence"]
            .sudo()
            .browse(self._support_sequence_id(self.env.company.id))
        )
        return (sequence and sequence._next()) or "/"

    @api.model
    @tools.ormcache("company_id")
    def _support_sequence_id(self, company_id):
        """The sequence numbering the company's tickets: its own, else the
        shared one. Cached for the server; any change to a sequence clears it."""
        return (
            self.env["ir.sequence"]
            .sudo()
            .search(
                [
                    ("code", "=", "support.ticket"),
                    ("company_id", "in", [company_id, False]),
                ],
                order="company_id",
                limit=1,
            )
            .id
        )

    @api.model
    def _get_default_priority(self):
        priority = self.env.ref(
            "support_desk.support_priority_medium", raise_if_not_found=False
        )
        return priority or self.env["support.priority"].search([], limit=1)

    @api.model
    def _get_take_charge_stage(self):
        Stage = self.env["support.stage"]
        return Stage.search([("is_take_charge", "=", True)], limit=1) or Stage.search(
            [("state", "=", "in_progress")], limit=1
        )

    @api.model
    def _get_in_progress_stage(self):
        """The first stage, by sequence, whose state is in progress."""
        return self.env["support.stage"].search(
            [("state", "=", "in_progress")], order="sequence, id", limit=1
        )

    def _get_tracking_project(self):
        """Project of the time tracked on the ticket: contract, ticket, team,
        else the company's default support project."""
        self.ensure_one()
        return (
            self.contract_id.project_id
            or self.project_id
            or self.team_id.project_id
            or self.company_id._support_default_project()
        )

    def _start_progress_on_tracking(self):
        """Logging time on a new ticket puts it in progress."""
        new_tickets = self.filtered(lambda t: t.state == "new")
        stage = new_tickets and self._get_in_progress_stage()
        if stage:
            new_tickets.write({"stage_id": stage.id})

    @api.model
    def _normalize_customer_vals(self, vals, fill_company=True):
        """A person given as customer becomes the contact of their company.

        On create, a contact alone also brings its company.
        """
        for company_field, contact_field in (
            ("partner_id", "partner_contact_id"),
            ("final_partner_id", "final_contact_id"),
        ):
            if fill_company and vals.get(contact_field) and not vals.get(company_field):
                contact = self.env["res.partner"].browse(vals[contact_field])
                if company_field not in vals and contact.commercial_partner_id:
                    vals[company_field] = contact.commercial_partner_id.id
            if vals.get(company_field):
                partner = self.env["res.partner"].browse(vals[company_field])
                if partner.parent_id:
                    vals[company_field] = partner.commercial_partner_id.id
                    vals.setdefault(contact_field, partner.id)

    @api.model
    def _apply_type_routing(self, vals):
        """A type routed to a team sends its tickets there, whatever was chosen."""
        if vals.get("type_id"):
            team = self.env["support.ticket.type"].browse(vals["type_id"]).team_id
            if team:
                vals["team_id"] = team.id

    @api.model
    def _split_emails(self, text):
        return [item for item in re.split(r"[,;\s]+", text or "") if item]

    def _sync_related_tickets(self, old_related=None):
        """Keep "related tickets" symmetric: if A lists B, B lists A.

        Linking changes the other ticket too: the user must be allowed to
        change it, whatever the context says (the guard key below only stops
        the other side from syncing back).
        """
        changes = []
        for ticket in self:
            before = (
                old_related.get(ticket, self.browse()) if old_related else self.browse()
            )
            added = ticket.related_ticket_ids - before
            removed = before - ticket.related_ticket_ids
            if added or removed:
                changes.append((ticket, added, removed))
        if not changes:
            return
        self.browse().union(*(a | r for _t, a, r in changes)).check_access("write")
        if self.env.context.get("support_sync_related"):
            return
        for ticket, added, removed in changes:
            for other in added.with_context(support_sync_related=True):
                other.related_ticket_ids = [Command.link(ticket.id)]
            for other in removed.with_context(support_sync_related=True):
                other.related_ticket_ids = [Command.unlink(ticket.id)]

    def _track_subtype(self, init_values):
        self.ensure_one()
        if "stage_id" in init_values:
            return self.env.ref("support_desk.mt_ticket_stage")
        return super()._track_subtype(init_values)

    def _creation_subtype(self):
        return self._support_xmlid_record("support_desk.mt_ticket_new")

    def _get_message_create_valid_field_names(self):
        return super()._get_message_create_valid_field_names() | {
            "support_ticket_state",
            "support_message_kind",
            "incoming_email_to",
            "incoming_email_cc",
        }

    def _message_create(self, values_list):
        # Each message keeps the ticket's state and whether it was public, set in
        # the values rather than written afterwards (no extra UPDATE per message).
        states = {ticket.id: ticket.state for ticket in self.sudo()}
        subtype_ids = {
            vals["subtype_id"] for vals in values_list if vals.get("subtype_id")
        }
        internal = set(
            self.env["mail.message.subtype"].sudo().browse(subtype_ids)
            .filtered("internal").ids
        )  # fmt: skip
        for vals in values_list:
            if vals.get("model") != self._name or vals.get("res_id") not in states:
                continue
            is_note = vals.get("is_internal") or vals.get("subtype_id") in internal
            vals.setdefault("support_ticket_state", states[vals["res_id"]])
            vals.setdefault("support_message_kind", "internal" if is_note else "public")
        return super()._message_create(values_list)

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
        if (
            message.message_type in ("comment", "email")
            and not message.subtype_id.internal
        ):
            self.sudo().last_reply_date = message.date
        self._sla_on_message(message)
        self._support_mark_unread(message)
        if self.env.context.get("support_mail_new_ticket") is NEW_TICKET and (
            message.body
        ):
            # The opening mail's body, with inline images now stored as
            # attachments (cid: links rewritten), is the description. Only the
            # gateway's message_new sets this marker: no request can carry it.
            self.sudo().description = message.body
        return message

    def action_pause_sla(self):
        """Pause the SLA until the customer replies or the stage changes."""
        self.check_access("write")
        self.sla_line_ids.sudo()._pause()
        self.sudo().sla_paused_until_reply = True
        return True

    def action_resume_sla(self):
        self.check_access("write")
        self._sla_resume_reply_pause()
        return True

    def _sla_resume_reply_pause(self):
        paused = self.sudo().filtered("sla_paused_until_reply")
        paused.sla_paused_until_reply = False
        paused.filtered(lambda t: t.state != "on_hold").sla_line_ids.sudo()._resume()

    def _sla_apply(self):
        """Create or update the SLA lines from the contract's policy and priority.

        Reached and failed lines are history and stay; running ones follow the new
        targets. Works on the whole batch: one calendar walk per calendar, one
        create for the new lines.
        """
        now = fields.Datetime.now()
        SlaLine = self.env["support.ticket.sla"].sudo()
        obsolete, planned = SlaLine, []
        for ticket in self.sudo():
            if ticket.state in CLOSED_STATES:
                continue
            policy = ticket._support_sla_policy()
            policy_line = (
                policy._get_line_for_priority(ticket.priority_id)
                if policy and ticket.priority_id
                else self.env["support.sla.policy.line"]
            )
            targets = policy_line._get_targets() if policy_line else {}
            running = ticket.sla_line_ids.filtered(lambda sla: sla.status == "ongoing")
            obsolete |= running.filtered(lambda sla, t=targets: sla.target not in t)
            if targets:
                planned.append((ticket, policy_line, targets, running))
        obsolete.unlink()
        # The SLA starts at the next working moment of the policy's calendar.
        walkers = {}
        starts = SlaLine._plan_on_calendars(
            [
                (line.policy_id.calendar_id, ticket.sla_start_date or now, 0)
                for ticket, line, _targets, _running in planned
            ],
            walkers,
        )
        changed, create_vals, to_pause = SlaLine, [], []
        for (ticket, policy_line, targets, running), start in zip(
            planned, starts, strict=True
        ):
            ticket.sla_start_date = start or now
            history = set((ticket.sla_line_ids - running).mapped("target"))
            for target, hours in targets.items():
                if target in history:
                    continue
                vals = {
                    "policy_line_id": policy_line.id,
                    "target_hours": hours,
                    "date_start": ticket.sla_start_date,
                }
                line = running.filtered(lambda sla, t=target: sla.target == t)
                if line:
                    line.write(vals)
                    changed |= line
                else:
                    create_vals.append(dict(vals, ticket_id=ticket.id, target=target))
            if ticket.state == "on_hold" or ticket.sla_paused_until_reply:
                to_pause.append(ticket.id)
        changed |= SlaLine.create(create_vals)
        changed.filtered(lambda sla: sla.ticket_id.id in to_pause)._pause(now)
        changed._recompute_schedule(walkers)

    def _sla_on_state_change(self, old_states):
        """On hold pauses, leaving it resumes, closing stamps, reopening restarts."""
        now = fields.Datetime.now()
        for ticket in self.sudo():
            old, new = old_states.get(ticket), ticket.state
            if old == new:
                continue
            lines = ticket.sla_line_ids
            if new in CLOSED_STATES:
                ticket.sla_paused_until_reply = False
                lines._reach(now)
                continue
            if old in CLOSED_STATES:
                lines._reopen()
            ticket.sla_paused_until_reply = False
            if new == "on_hold":
                lines._pause(now)
            else:
                lines._resume(now)

    def _sla_on_message(self, message):
        """First public reply of an agent meets the first-response target; a
        customer's reply ends a pause asked from the reply box."""
        author_user = message.author_id.user_ids[:1]
        is_agent = author_user and not author_user.share
        if (
            is_agent
            and message.message_type == "comment"
            and not message.subtype_id.internal
        ):
            self.sudo().sla_line_ids.filtered(
                lambda sla: sla.target == "first_response" and sla.status == "ongoing"
            )._reach()
        elif not is_agent and message.message_type in ("comment", "email"):
            self.sudo()._sla_resume_reply_pause()

    def _get_portal_tracking_lines(self):
        """Billable tracking lines the customer may see, when the contract says so."""
        self.ensure_one()
        if not self.contract_id.portal_show_tracking:
            return self.env["account.analytic.line"]
        return self.sudo().timesheet_ids.filtered("support_billable").sorted("date")

    @api.model
    def get_dashboard_domains(self):
        """Domains of the two boxes of "My Tickets" (the first seed's screen)."""
        user = self.env.user
        openers = user
        if user.has_group("support_desk.group_support_ticket_admin"):
            openers |= user.sudo().support_assign_user_ids
        still_open = [("state", "not in", CLOSED_STATES)]
        return {
            "opened": [("opened_by_id", "in", openers.ids), *still_open],
            "assigned": [("user_id", "=", user.id), *still_open],
        }

    # Agent workspace

    @api.depends("activity_ids")
    def _compute_next_activity_id(self):
        # activity_ids is ordered by deadline: the first one is due first.
        for ticket in self:
            ticket.next_activity_id = ticket.activity_ids[:1]
            ticket.next_activity_category = ticket.next_activity_id.activity_category

    @api.depends_context("uid")
    def _compute_is_unread(self):
        saved_ids = [ticket_id for ticket_id in self.ids if isinstance(ticket_id, int)]
        marks = (
            self.env["support.ticket.unread"]
            .sudo()
            .search_fetch(
                [("ticket_id", "in", saved_ids), ("user_id", "=", self.env.uid)],
                ["ticket_id"],
            )
        )
        unread = set(marks.ticket_id.ids)
        for ticket in self:
            ticket.is_unread = ticket.id in unread

    def _search_is_unread(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on the Unread field."))
        mine = (
            self.env["support.ticket.unread"]
            .sudo()
            ._search([("user_id", "=", self.env.uid)])
            .subselect("ticket_id")
        )
        return [("id", "in" if (operator == "=") == value else "not in", mine)]

    def _support_on_activity_scheduled(self):
        """Planning a next action (call, appointment, task) starts the work."""
        # Scheduling needs only read access (_mail_post_access): the stage move
        # that follows is the desk's rule, not the user's edit.
        new_tickets = self.filtered(lambda t: t.state == "new")
        stage = new_tickets and self._get_in_progress_stage()
        if stage:
            new_tickets.sudo().write({"stage_id": stage.id})

    def _support_unread_recipients(self, message):
        """Users who get an unread mark: assignee and person in charge, not the
        author."""
        self.ensure_one()
        users = (self.user_id | self.in_charge_user_id).filtered(
            lambda u: u.active and not u.share
        )
        return users - message.author_id.user_ids

    def _support_mark_unread(self, message):
        if message.message_type not in ("comment", "email"):
            return
        rows = [
            (ticket.id, user.id)
            for ticket in self.sudo()
            for user in ticket._support_unread_recipients(message)
        ]
        if rows:
            self.env["support.ticket.unread"].sudo()._mark(rows)

    def action_support_mark_read(self):
        """Called by the ticket form when it opens: clears the mark of the reader."""
        self.check_access("read")
        self.env["support.ticket.unread"].sudo()._clear(self.ids, self.env.uid)
        return True

    def action_support_partner_card(self):
        """The card of the account or of the final customer (context key)."""
        self.ensure_one()
        field = self.env.context.get("support_card_field", "partner_id")
        if field not in ("partner_id", "final_partner_id"):
            raise UserError(self.env._("No customer card for this field."))
        if not self[field]:
            raise UserError(self.env._("The ticket names no such customer."))
        return self[field].action_support_open_card()

    def action_support_call_customer(self):
        """Click-to-call the ticket's contact, else its account."""
        self.ensure_one()
        self.env["support.pbx.call"]._check_support_can_call()
        partner = self.partner_contact_id or self.partner_id
        number = partner.mobile or partner.phone
        if not number:
            raise UserError(self.env._("The customer has no phone number."))
        return self.env["support.pbx.call"]._originate(
            number, partner=partner, ticket=self
        )

    def action_support_reply(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reply"),
            "res_model": "support.ticket.reply",
            "view_mode": "form",
            "target": "new",
            "context": {"default_ticket_id": self.id},
        }

    def action_support_schedule_activity(self):
        """Plan the next action; the context names its kind (meeting, call, task,
        document)."""
        self.ensure_one()
        kind = self.env.context.get("support_activity_kind", "task")
        if kind not in ACTIVITY_KINDS:
            raise UserError(self.env._("Unknown kind of action: %s.", kind))
        activity_type = self.env.ref(
            f"support_desk.mail_activity_type_ticket_{kind}", raise_if_not_found=False
        )
        return {
            "type": "ir.actions.act_window",
            "name": activity_type.name or self.env._("Schedule"),
            "res_model": "mail.activity.schedule",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "active_model": self._name,
                "active_id": self.id,
                "active_ids": self.ids,
                "default_activity_type_id": activity_type.id,
            },
        }

    def action_support_open_next_activity(self):
        """Carry out the next action: its meeting, or the activity itself."""
        self.ensure_one()
        activity = self.next_activity_id
        if not activity:
            raise UserError(self.env._("No action is planned on this ticket."))
        if activity.activity_category == "meeting":
            if activity.calendar_event_id:
                return {
                    "type": "ir.actions.act_window",
                    "res_model": "calendar.event",
                    "res_id": activity.calendar_event_id.id,
                    "view_mode": "form",
                    "views": [(False, "form")],
                }
            return activity.with_context(
                default_res_model=self._name, default_res_id=self.id
            ).action_create_calendar_event()
        return {
            "type": "ir.actions.act_window",
            "name": activity.activity_type_id.name,
            "res_model": "mail.activity",
            "res_id": activity.id,
            "view_mode": "form",
            "views": [(self.env.ref("mail.mail_activity_view_form_popup").id, "form")],
            "target": "new",
            "context": {"default_res_model": self._name, "default_res_id": self.id},
        }

    def action_support_next_activity_done(self):
        self.ensure_one()
        if not self.next_activity_id:
            raise UserError(self.env._("No action is planned on this ticket."))
        self.next_activity_id.action_done()
        return True

    @api.model
    def get_systray_counts(self):
        """Open tickets assigned to me and in charge of me, under my record rules."""
        uid = self.env.uid
        groups = self._read_group(
            [
                ("state", "not in", CLOSED_STATES),
                "|",
                ("user_id", "=", uid),
                ("in_charge_user_id", "=", uid),
            ],
            ["user_id", "in_charge_user_id"],
            ["__count"],
        )
        counts = {"assigned": 0, "in_charge": 0, "total": 0}
        for user, in_charge, count in groups:
            counts["total"] += count
            if user.id == uid:
                counts["assigned"] += count
            if in_charge.id == uid:
                counts["in_charge"] += count
        return counts

    @api.model
    def _search_panel_domain_image(
        self, field_name, domain, set_count=False, limit=False
    ):
        """The search panel's counters, grouped on the column alone.

        Odoo's ``read_group`` orders the groups through a join on the comodel
        (priority, team), which costs a fifth of each counter on the open
        tickets of a large desk; the few groups are ordered here instead.
        """
        field = self._fields[field_name]
        if field.type not in ("many2one", "selection"):
            return super()._search_panel_domain_image(
                field_name, domain, set_count=set_count, limit=limit
            )
        groups = self._read_group(
            expression.AND([domain, [(field_name, "!=", False)]]),
            [field_name],
            ["__count"],
        )
        if field.type == "many2one":
            counts = {value.id: count for value, count in groups}
            values = self.env[field.comodel_name].browse(counts).sudo().sorted()
            images = [(value.id, value.display_name) for value in values]
        else:
            labels = dict(field._description_selection(self.env))
            counts = dict(groups)
            images = [(value, labels.get(value, value)) for value, _label in groups]
        if limit:
            images = images[:limit]
        image = {}
        for value, display_name in images:
            image[value] = {"id": value, "display_name": display_name}
            if set_count:
                image[value]["__count"] = counts[value]
        return image

    def _support_systray_users(self):
        return (self.user_id | self.in_charge_user_id).filtered(lambda u: not u.share)

    def _support_systray_notify(self, users):
        """Tell these users' systray its count changed: once per user and
        transaction, when the transaction commits."""
        if not users:
            return
        data = self.env.cr.precommit.data
        if "support_desk.systray_user_ids" not in data:
            data["support_desk.systray_user_ids"] = set()
            env = self.env

            @self.env.cr.precommit.add
            def send_counts():
                user_ids = data.pop("support_desk.systray_user_ids", set())
                for user in env["res.users"].sudo().browse(sorted(user_ids)).exists():
                    counts = env(user=user.id, su=False, context={})[
                        "support.ticket"
                    ].get_systray_counts()
                    env["bus.bus"]._sendone(
                        user.partner_id, "support_desk.ticket_count", counts
                    )

        data["support_desk.systray_user_ids"].update(users.ids)

    # Portal

    @api.model
    def _get_portal_reopen_days(self):
        """Days after closing during which the customer may reopen a ticket."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("support_desk.portal_reopen_days", "7")
        )
        try:
            return max(int(value), 0)
        except ValueError:
            return 7

    def _portal_is_customer(self, partner):
        """Whether ``partner`` is a customer of the ticket: its Account or Account
        Contact, or a contact of the Account when the Account lets its contacts
        see all its tickets. Followers and the people it is shared with are not."""
        self.ensure_one()
        ticket = self.sudo()
        if not partner:
            return False
        if partner in ticket.partner_id | ticket.partner_contact_id:
            return True
        return bool(
            ticket.partner_id
            and ticket.partner_id == partner.commercial_partner_id
            and ticket.partner_id.support_portal_company_visible
        )

    def _portal_check_change(self):
        """Refuse unless the current user may change the ticket from the portal
        (close, reopen). Reading is not enough: an access token, a follower or a
        user it is shared with only read and reply.

        Call it on the user's own record, before any change in sudo.

        :raise AccessError: when the user may not change the ticket
        """
        self.ensure_one()
        user = self.env.user
        if user._is_public():
            raise AccessError(
                self.env._(
                    "Log in to close or reopen this ticket: "
                    "the link you received only lets you read and answer it."
                )
            )
        if user._is_internal():
            # the employees' "followed or shared" rule is read only
            self.sudo(False).check_access("write")
            return
        if not self._portal_is_customer(user.partner_id):
            raise AccessError(
                self.env._("Only the ticket's customer can close or reopen it.")
            )

    def _portal_may_change(self):
        """Whether the portal shows the buttons that change the ticket."""
        try:
            self._portal_check_change()
        except AccessError:
            return False
        return True

    def _portal_can_close(self):
        self.ensure_one()
        return self.state not in CLOSED_STATES

    def _portal_can_reopen(self):
        self.ensure_one()
        if self.state != "done" or not self.date_closed:
            return False
        days = self._get_portal_reopen_days()
        return self.date_closed >= fields.Datetime.now() - timedelta(days=days)

    def _portal_close(self):
        """Close the ticket at the customer's request (called in sudo by the portal
        once ``_portal_check_change`` allowed it)."""
        stage = self.env["support.stage"].search(
            [("state", "=", "done")], order="sequence, id", limit=1
        )
        for ticket in self:
            if not ticket._portal_can_close():
                raise UserError(self.env._("This ticket is already closed."))
            ticket.stage_id = stage
            ticket.message_post(
                body=self.env._("The customer closed the ticket."),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _portal_reopen(self):
        """Reopen a ticket closed less than the configured number of days ago
        (called in sudo once ``_portal_check_change`` allowed it)."""
        stage = self._get_in_progress_stage() or self._default_stage_id()
        for ticket in self:
            if not ticket._portal_can_reopen():
                raise UserError(
                    self.env._("This ticket can no longer be reopened: open a new one.")
                )
            ticket.stage_id = stage
            ticket.message_post(
                body=self.env._("The customer reopened the ticket."),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _portal_post_customer_files(self, files, author=None, email_from=None):
        """Post the files a customer sent with a new ticket as their public
        message, without notifying anyone (the creation does): the portal shows
        the files of public messages only.

        :param files: list of (name, content) tuples
        :return: the message (sudo), or an empty recordset without files
        """
        self.ensure_one()
        Message = self.env["mail.message"].sudo()
        if not files:
            return Message
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": name,
                        "raw": content,
                        "res_model": self._name,
                        "res_id": self.id,
                    }
                    for name, content in files
                ]
            )
        )
        return Message.create(
            {
                "model": self._name,
                "res_id": self.id,
                "author_id": author.id if author else False,
                "email_from": (author.email_formatted if author else False)
                or email_from
                or self.email_from,
                "message_type": "comment",
                "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id(
                    "mail.mt_comment"
                ),
                "is_internal": False,
                "body": Markup("<p>%s</p>")
                % self.env._("Files sent with the request."),
                "attachment_ids": [Command.set(attachments.ids)],
            }
        )

    def _portal_web_confirm_token(self, email):
        """Signature of the link that proves ``email`` receives this ticket's
        mail (the confirmation of a public web form request)."""
        self.ensure_one()
        return tools.misc.hmac(
            self.env(su=True),
            "support_desk-web-confirm",
            (self.id, tools.email_normalize(email or "") or ""),
        )

    def _portal_web_confirm_url(self):
        self.ensure_one()
        token = self._portal_web_confirm_token(self.email_from)
        return f"{self.get_base_url()}/support/confirm/{self.id}/{token}"

    def _portal_web_confirm_partner(self):
        """The partner a confirmed web form request is attached to: the first
        one with the sender's address."""
        self.ensure_one()
        email = tools.email_normalize(self.email_from or "")
        if not email:
            return self.env["res.partner"]
        return (
            self.env["res.partner"]
            .sudo()
            .search([("email_normalized", "=", email)], order="id", limit=1)
        )

    def _portal_web_confirm_check(self, token):
        """:raise AccessError: unless ``token`` is this web request's
        confirmation token"""
        self.ensure_one()
        ticket = self.sudo()
        if (
            ticket.channel != "web"
            or not isinstance(token, str)
            or not token.isascii()
            or not tools.consteq(
                token, ticket._portal_web_confirm_token(ticket.email_from)
            )
        ):
            raise AccessError(self.env._("This confirmation link is not valid."))

    def _portal_web_confirm(self, token):
        """Attach a web form request to the customer whose address received its
        confirmation link; visiting the link twice changes nothing.

        :raise AccessError: for a wrong token
        :raise UserError: when the ticket already belongs to another customer
        """
        self.ensure_one()
        self._portal_web_confirm_check(token)
        ticket = self.sudo()
        partner = ticket._portal_web_confirm_partner()
        if not partner:
            raise UserError(self.env._("No customer has this address any more."))
        if ticket.partner_id:
            if ticket.partner_id == partner.commercial_partner_id:
                return True
            raise UserError(
                self.env._("This request is already linked to another customer.")
            )
        ticket.write({"partner_id": partner.id})
        ticket.message_subscribe(partner_ids=partner.ids)
        ticket._message_log(
            body=self.env._(
                "The sender confirmed the address %s: the request is linked to "
                "their account.",
                ticket.email_from,
            ),
            author_id=self.env.ref("base.partner_root").id,
        )
        return True

    def _portal_send_web_confirmation(self):
        """Mail the sender of a web form request made with the address of an
        existing customer the link that attaches it to their account."""
        QWeb = self.env["ir.qweb"]
        self.env["mail.mail"].sudo().create(
            [
                {
                    "subject": self.env._(
                        "[%(number)s] Confirm your request: %(title)s",
                        number=ticket.number,
                        title=ticket.name,
                    ),
                    "body_html": QWeb._render(
                        "support_desk.support_web_form_confirm_mail",
                        {
                            "ticket": ticket,
                            "confirm_url": ticket._portal_web_confirm_url(),
                        },
                    ),
                    **ticket._support_sender_mail_vals(),
                }
                for ticket in self
            ]
        )

    def _get_portal_messages(self):
        """Messages a customer may see: public comments and mails, never notes."""
        self.ensure_one()
        return self.sudo().message_ids.filtered(
            lambda m: (
                m.message_type in ("comment", "email", "email_outgoing")
                and not m.is_internal
                and not m.subtype_id.internal
                and (m.body or m.attachment_ids)
            )
        )

    def _get_portal_attachments(self):
        """Attachments of the ticket a customer may see: those of the messages
        they see (replies, mails, and the files they sent). Files added in the
        back office (the Attachments tab, internal notes, printed reports) stay
        internal."""
        self.ensure_one()
        return self._get_portal_messages().attachment_ids

    def _get_mail_thread_data_attachments(self):
        # The chatter's attachment box (/mail/thread/data) of a customer or a
        # token holder lists what the portal shows, not the staff's files.
        attachments = super()._get_mail_thread_data_attachments()
        if self.env.user._is_internal():
            return attachments
        return attachments & self._get_portal_attachments()

    @api.model
    def _get_thread_with_access(self, thread_id, mode="read", **kwargs):
        # A malformed token, hash or pid (Odoo's /mail/* routes) is no
        # access, not an error 500 (non-ASCII tokens break consteq).
        for key in ("token", "hash"):
            value = kwargs.get(key)
            if value is not None and not (isinstance(value, str) and value.isascii()):
                kwargs.pop(key)
        pid = kwargs.get("pid")
        if pid is not None and not (
            isinstance(pid, int) or (isinstance(pid, str) and pid.isdigit())
        ):
            kwargs.pop("pid")
        if isinstance(thread_id, str) and thread_id.isdigit():
            thread_id = int(thread_id)
        if not isinstance(thread_id, int) or not 0 < thread_id < 2**31:
            return self.browse()
        return super()._get_thread_with_access(thread_id, mode=mode, **kwargs)

    def _get_report_messages(self):
        """Messages of the printed sheet: the conversation with its internal notes
        for internal users, what the customer sees for the others."""
        self.ensure_one()
        self.check_access("read")
        if not self.env.user._is_internal():
            return self._get_portal_messages().sorted("date")
        return self.support_message_ids.filtered(
            lambda m: m.body or m.attachment_ids
        ).sorted("date")

    def _get_report_base_filename(self):
        self.ensure_one()
        return f"{self.number} - {self.name}"

    # Outgoing mail: rules, blacklists, ticket reference, SMTP server

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
        tickets = self.filtered(
            lambda t: t.channel in ACK_CHANNELS and t._support_may_acknowledge()
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

    def _support_notify_rules_on_create(self):
        """Tell whom the creation rules name; one batch of messages for all the
        tickets, and one mail per recipient (see ``_support_post_and_deliver``)."""
        rules = self.env["support.notification.rule"]._search_rules("create")
        if not rules:
            return
        entries = []
        for ticket in self:
            partners = ticket._support_filter_partners(
                rules._filter_ticket(ticket)._get_partners(ticket),
                sender=ticket.email_from,
            )
            if partners:
                entries.append((ticket._support_creation_notice_vals(), partners))
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
        self._support_send_acknowledgement()
        self._support_notify_rules_on_create()

    def _support_creation_notice_vals(self):
        self.ensure_one()
        if self.user_id:
            subject = self.env._("New ticket: %s", self.display_name)
        else:
            subject = self.env._("New ticket to assign: %s", self.display_name)
        author = self._support_xmlid_record("base.partner_root")
        return {
            "model": self._name,
            "res_id": self.id,
            "record_name": self.display_name,
            "author_id": author.id,
            "email_from": author.email_formatted,
            "subject": subject,
            "body": self.env["ir.qweb"]._render(
                "support_desk.ticket_created_notice", {"ticket": self}
            ),
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
        tickets = self.browse({values["res_id"] for values, _partners in entries})
        reply_to = tickets.sudo()._notify_get_reply_to()
        ticket_of = {ticket.id: ticket for ticket in tickets.sudo()}
        messages = (
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
        per_partner = defaultdict(lambda: self.env["mail.message"])
        for message, (_values, partners) in zip(messages, entries, strict=True):
            for partner in partners:
                per_partner[partner] |= message
        inbox_vals, mail_vals, mailed = [], [], []
        email_from = (
            self.env.company.email_formatted
            or self.env["ir.mail_server"]._get_default_from_address()
        )
        for partner, partner_messages in per_partner.items():
            users = partner.user_ids
            if users and all(user.notification_type == "inbox" for user in users):
                inbox_vals += [
                    {
                        "mail_message_id": message.id,
                        "res_partner_id": partner.id,
                        "notification_type": "inbox",
                        "author_id": message.author_id.id,
                    }
                    for message in partner_messages
                ]
                continue
            if not partner.email:
                continue
            server, footer = self._support_delivery(
                [ticket_of[m.res_id] for m in partner_messages]
            )
            mail = {
                "body_html": Markup("<hr/>").join(partner_messages.mapped("body"))
                + footer,
                "email_from": email_from,
                "recipient_ids": [Command.link(partner.id)],
                "headers": repr({"Auto-Submitted": "auto-generated"}),
                "auto_delete": True,
                "mail_server_id": server.id,
            }
            if len(partner_messages) == 1:
                # The mail of one message is that message's notification, and
                # updates its delivery status once sent.
                mail.update(mail_message_id=partner_messages.id, is_notification=True)
                mailed.append((partner, partner_messages))
            else:
                subject = digest_subject(len(partner_messages))
                mail.update(subject=subject, model=False)
                mailed.append((partner, None))
            mail_vals.append(mail)
        notification_vals = inbox_vals
        if mail_vals:
            mails = self.env["mail.mail"].sudo().create(mail_vals)
            notification_vals += [
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
        if notification_vals:
            self.env["mail.notification"].sudo().create(notification_vals)
        return messages

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
        told = set()
        if subtype:
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
            told = {
                res_id
                for res_id, partner_id in self.env.cr.fetchall()
                if partner_id != authors[res_id]
            }
        for ticket in self.filtered(lambda t: t.id in told):
            ticket.sudo().message_post(
                subtype_id=subtype.id,
                author_id=ticket.create_uid.partner_id.id,
                body=Markup('<div summary="o_mail_notification"><p>%s</p></div>')
                % ticket._creation_message(),
            )
        quiet = self.filtered(lambda t: t.id not in told)
        if not quiet:
            return
        # as Odoo's _message_log_batch: one generic reply-to for the batch
        catchall = self.env["mail.thread"]._notify_get_reply_to()[False]
        quiet.sudo()._message_create(
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
                for ticket in quiet
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

    # Incoming mail: the gateway opens and updates tickets
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
        routed = []
        refused = self.browse()
        for route in mine:
            checked = self._support_mail_allowed_route(message, message_dict, route)
            if checked:
                routed.append(checked)
            elif route[1]:
                refused |= self.sudo().browse(route[1])
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
        if not email:
            return False
        domains = self.env["mail.alias.domain"].sudo().search([])
        own = set(domains.mapped("catchall_email")) | set(
            domains.mapped("bounce_email")
        )
        if email in own:
            return True
        return bool(
            self.env["mail.alias"]
            .sudo()
            .search_count([("alias_full_name", "=", email)], limit=1)
        )

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
