import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from ..ticket.support_stage import CLOSED_STATES
from .calendar_event import TICKET_SYNC_FIELDS

_logger = logging.getLogger(__name__)

# The next actions the form plans (support_desk.mail_activity_type_ticket_<kind>).
ACTIVITY_KINDS = ("meeting", "call", "task", "document")


class SupportTicket(models.Model):
    _inherit = "support.ticket"

    calendar_event_id = fields.Many2one(
        "calendar.event",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        groups="base.group_user",
        help="The event showing this ticket in its assignee's calendar.",
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

    def write(self, vals):
        res = super().write(vals)
        if TICKET_SYNC_FIELDS & vals.keys():
            self.env["calendar.event"]._support_ticket_sync_later(self)
        return res

    @api.readonly
    @api.model
    def get_dashboard_domains(self):
        """Domains of the two boxes of "My Tickets" (the first seed's screen)."""
        user = self.env.user
        openers = user
        if user.has_group("support_desk.group_support_ticket_admin"):
            openers |= user.sudo().support_assign_user_ids
        # Every state: the boxes' own filters (search bar, search panel) narrow them.
        return {
            "opened": [("opened_by_id", "in", openers.ids)],
            "assigned": [("user_id", "=", user.id)],
        }

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

    @api.readonly
    def action_support_partner_card(self):
        """The card of the account or of the final customer (context key)."""
        self.ensure_one()
        field = self.env.context.get("support_card_field", "partner_id")
        if field not in ("partner_id", "final_partner_id"):
            raise UserError(self.env._("No customer card for this field."))
        if not self[field]:
            raise UserError(self.env._("The ticket names no such customer."))
        return self[field].action_support_open_card()

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

    @api.readonly
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
