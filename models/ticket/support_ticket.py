import logging
import re

from odoo import api, fields, models, tools
from odoo.tools import SQL

from .support_stage import CLOSED_STATES

_logger = logging.getLogger(__name__)

# Fields whose change moves a ticket in or out of someone's systray count.
SYSTRAY_FIELDS = {"user_id", "in_charge_user_id", "stage_id", "active"}

CHANNELS = [
    ("manual", "Manual"),
    ("email", "Email"),
    ("portal", "Portal"),
    ("web", "Web Form"),
    ("phone", "Phone"),
]


class SupportTicket(models.Model):
    _name = "support.ticket"
    _inherit = ["portal.mixin", "mail.thread.cc", "mail.activity.mixin", "rating.mixin"]
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
    opened_by_id = fields.Many2one(
        "res.users",
        string="Opened by",
        default=lambda self: self.env.user,
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    # Links
    ticket_properties = fields.Properties(
        string="Custom Fields",
        definition="type_id.ticket_properties_definition",
        copy=True,
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
    attachment_ids = fields.One2many(
        "ir.attachment",
        "res_id",
        string="Attachments",
        domain=[("res_model", "=", "support.ticket")],
    )
    # Planning
    date_planned_start = fields.Datetime(string="Planned Start", tracking=True)
    date_deadline = fields.Datetime(string="Deadline", tracking=True, index=True)
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

    _sql_constraints = [
        ("number_uniq", "unique (number)", "The ticket number must be unique."),
    ]

    def init(self):
        self._support_init_open_indexes()
        self._support_init_owner_indexes()

    def _support_init_open_indexes(self):
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
                "tracking_status, state_display",
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
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS support_ticket_creation_queue_idx "
            "ON support_ticket (id) WHERE creation_log_pending OR creation_mail_pending"
        )

    def _support_init_owner_indexes(self):
        # The columns that make a ticket the user's own, with the id: the
        # rules' "followed, not mine" anti-joins read only these indexes (see
        # _support_followed_or_shared_ids); they replace the columns' own.
        self._support_drop_default_indexes()
        self._support_create_indexes(
            [
                (
                    f"support_ticket_{column.removesuffix('_id')}_idx",
                    "support_ticket",
                    f"{column}, id",
                    None,  # whole: lists filter on "unassigned" too
                )
                for column in ("user_id", "in_charge_user_id", "opened_by_id")
            ]
            + [
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
            ]
        )

    def _support_create_indexes(self, indexes):
        """Create the ``(name, table, columns, where)`` indexes if missing."""
        for name, table, columns, where in indexes:
            self.env.cr.execute(
                SQL(
                    "CREATE INDEX IF NOT EXISTS %s ON %s (%s)%s",
                    SQL.identifier(name),
                    SQL.identifier(table),
                    SQL(columns),
                    SQL(" WHERE " + where) if where else SQL(),
                )
            )

    def _support_drop_default_indexes(self):
        self.env.cr.execute(
            "DROP INDEX IF EXISTS support_ticket__partner_id_index, "
            "support_ticket__partner_contact_id_index, "
            "support_ticket__user_id_index, support_ticket__in_charge_user_id_index, "
            "support_ticket__opened_by_id_index, "
            # a copy of number_uniq's (number had index=True): one more index
            # to write for every ticket
            "support_ticket__number_index"
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

    @api.depends("type_id")
    def _compute_team_id(self):
        # Type -> team routing wins over a team chosen by hand.
        for ticket in self:
            if ticket.type_id.team_id:
                ticket.team_id = ticket.type_id.team_id

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

    @api.depends("state")
    def _compute_date_closed(self):
        now = fields.Datetime.now()
        for ticket in self:
            if ticket.state in CLOSED_STATES:
                ticket.date_closed = ticket.date_closed or now
            else:
                ticket.date_closed = False

    @api.depends("number", "name")
    def _compute_display_name(self):
        for ticket in self:
            ticket.display_name = (
                f"[{ticket.number}] {ticket.name}" if ticket.number else ticket.name
            )

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
            self._support_default_deadline_vals(vals)
        # ir.sequence draws from a PostgreSQL sequence: safe under concurrency.
        new = self.env._("New")
        unnumbered = [
            vals
            for vals in vals_list
            if not vals.get("number") or vals["number"] == new
        ]
        for vals, number in zip(
            unnumbered, self._get_next_numbers(len(unnumbered)), strict=True
        ):
            vals["number"] = number
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
        if log or not automated:
            self._support_trigger_creation_queue()
        self._support_systray_notify(tickets._support_systray_users())
        # an unassigned ticket has no event (the assignment syncs it)
        self.env["calendar.event"]._support_ticket_sync_later(
            tickets.filtered("user_id")
        )
        return tickets

    def write(self, vals):
        self._support_clean_vals(vals)
        self._check_protected_fields_write(vals)
        self._normalize_customer_vals(vals, fill_company=False)
        self._check_assign_write(vals)
        old_states = (
            {ticket: ticket.state for ticket in self} if "stage_id" in vals else {}
        )
        systray_before = (
            self._support_systray_users() if SYSTRAY_FIELDS & vals.keys() else None
        )
        res = super().write(vals)
        if systray_before is not None:
            self._support_systray_notify(systray_before | self._support_systray_users())
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
        return res

    def unlink(self):
        users = self._support_systray_users()
        events = self.sudo().calendar_event_id
        res = super().unlink()
        self._support_systray_notify(users)
        events.exists().unlink()
        return res

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
        return self._get_next_numbers(1)[0]

    @api.model
    def _get_next_numbers(self, count):
        """``count`` ticket numbers, as ir.sequence.next_by_code without its
        search for every ticket; a batch from a standard sequence (no date
        ranges) draws them all in one query."""
        sequence = (
            self.env["ir.sequence"]
            .sudo()
            .browse(self._support_sequence_id(self.env.company.id))
        )
        if not sequence:
            return ["/"] * count
        if (
            count > 1
            and sequence.implementation == "standard"
            and (not sequence.use_date_range)
        ):
            self.env.cr.execute(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                ["ir_sequence_%03d" % sequence.id, count],
            )
            drawn = sorted(row[0] for row in self.env.cr.fetchall())
            return [sequence.get_next_char(number) for number in drawn]
        return [sequence._next() or "/" for _i in range(count)]

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
        Priority = self.env["support.priority"]
        medium_id = self._support_medium_priority_id()
        return Priority.browse(medium_id) if medium_id else Priority.search([], limit=1)

    @api.model
    @tools.ormcache()
    def _support_medium_priority_id(self):
        """The Medium priority, read for every ticket opened without one: cached
        for the server; any change to a priority clears it (support.cache.mixin)."""
        priority = self.env.ref(
            "support_desk.support_priority_medium", raise_if_not_found=False
        )
        return priority.id if priority else False

    @api.model
    def _get_in_progress_stage(self):
        """The first stage, by sequence, whose state is in progress."""
        return self.env["support.stage"].search(
            [("state", "=", "in_progress")], order="sequence, id", limit=1
        )

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

    def _track_subtype(self, init_values):
        self.ensure_one()
        if "stage_id" in init_values:
            return self.env.ref("support_desk.mt_ticket_stage")
        return super()._track_subtype(init_values)

    def _creation_subtype(self):
        return self._support_xmlid_record("support_desk.mt_ticket_new")

    def message_post(self, **kwargs):
        message = super().message_post(**kwargs)
        if (
            message.message_type in ("comment", "email")
            and not message.subtype_id.internal
        ):
            self.sudo().last_reply_date = message.date
        self._sla_on_message(message)
        self._support_mark_unread(message)
        return message
