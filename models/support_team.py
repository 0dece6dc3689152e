import ast

from odoo import api, fields, models
from odoo.exceptions import UserError

from .support_stage import CLOSED_STATES


class SupportTeam(models.Model):
    _name = "support.team"
    _inherit = ["mail.thread", "mail.alias.mixin"]
    _description = "Support Team"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    color = fields.Integer()
    description = fields.Html(translate=True)
    user_id = fields.Many2one(
        "res.users",
        string="Team Leader",
        domain="[('share', '=', False)]",
        tracking=True,
    )
    member_ids = fields.Many2many(
        "res.users",
        "support_team_member_rel",
        "team_id",
        "user_id",
        string="Members",
        domain="[('share', '=', False)]",
    )
    assign_method = fields.Selection(
        [
            ("manual", "Manual"),
            ("round_robin", "Round Robin"),
            ("balanced", "Balanced by Open Tickets"),
        ],
        string="Automatic Assignment",
        required=True,
        default="manual",
        help="How new tickets of this team get an assignee. Members who are on leave "
        "or marked unavailable are skipped.",
    )
    last_assigned_user_id = fields.Many2one(
        "res.users", readonly=True, copy=False, help="Used by round-robin assignment."
    )
    default_type_id = fields.Many2one("support.ticket.type")
    default_priority_id = fields.Many2one("support.priority")
    portal_priority = fields.Boolean(
        string="Customers Choose the Priority",
        help="Customers may choose the priority of the tickets they open from the "
        "portal for this team.",
    )
    ticket_ids = fields.One2many("support.ticket", "team_id", string="Tickets")
    sla_policy_id = fields.Many2one(
        "support.sla.policy",
        string="Default SLA Policy",
        check_company=True,
        help="The targets of the team's tickets whose customer has no contract "
        "(a contract's own policy wins).",
    )
    project_id = fields.Many2one(
        "project.project",
        string="Tracking Project",
        check_company=True,
        domain="[('allow_timesheets', '=', True)]",
        help="Project of the time tracked on the team's tickets when neither the "
        "ticket nor its contract names one.",
    )
    # Team overview: counts of the tickets the user can read, never stored.
    overview_open_count = fields.Integer(
        string="Open", compute="_compute_overview_counts"
    )
    overview_unassigned_count = fields.Integer(
        string="Unassigned", compute="_compute_overview_counts"
    )
    overview_expired_count = fields.Integer(
        string="Expired", compute="_compute_overview_counts"
    )
    overview_sla_failing_count = fields.Integer(
        string="SLA Failing", compute="_compute_overview_counts"
    )
    overview_mine_count = fields.Integer(
        string="Mine", compute="_compute_overview_counts"
    )
    mail_server_id = fields.Many2one(
        "ir.mail_server",
        string="Outgoing Mail Server",
        help="Server used for the mails of this team's tickets.",
    )
    # Incoming mail (the alias opens tickets in this team)
    mail_closed_policy = fields.Selection(
        [("reopen", "Reopen the Ticket"), ("new", "Open a New Linked Ticket")],
        string="Mail About a Closed Ticket",
        required=True,
        default="reopen",
    )
    mail_default_partner_id = fields.Many2one(
        "res.partner",
        string="Default Customer",
        check_company=True,
        domain="[('is_company', '=', True)]",
        help="Account of the tickets opened by mail from unknown senders.",
    )
    mail_create_company = fields.Boolean(
        string="Create Companies from Sender Domains",
        help="An unknown sender from a company domain (not a public mail provider) "
        "gets a new company named after the domain, and a contact in it.",
    )
    mail_link_project = fields.Boolean(
        string="Link the Customer's Project",
        help="Tickets opened by mail get the customer's project (or the one named "
        "after its mail domain). The contract always follows the customer.",
    )
    mail_default_user_id = fields.Many2one(
        "res.users",
        string="Default Follower",
        domain="[('share', '=', False)]",
        help="User who follows (and so can read) the tickets opened by mail.",
    )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_overview_counts(self):
        # One grouped count per measure for all the teams at once, with the
        # user's record rules: each user counts only the tickets they can read.
        Ticket = self.env["support.ticket"]
        team_ids = self.ids
        for kind, domain in self._get_overview_domains().items():
            counts = dict(
                Ticket._read_group(
                    [("team_id", "in", team_ids), *domain], ["team_id"], ["__count"]
                )
            )
            for team in self:
                team[f"overview_{kind}_count"] = counts.get(team, 0)

    @api.model
    def _get_overview_domains(self):
        """Ticket domains of the overview's measures, by kind."""
        uid = self.env.uid
        still_open = [("state", "not in", CLOSED_STATES)]
        now = fields.Datetime.to_string(fields.Datetime.now())
        return {
            "open": still_open,
            "unassigned": [*still_open, ("user_id", "=", False)],
            "expired": [("is_expired", "=", True)],
            # A failed target, or one still running past its deadline that the
            # escalation cron has not marked failed yet.
            "sla_failing": [
                *still_open,
                "|",
                ("sla_status", "=", "failed"),
                "&",
                ("sla_status", "=", "ongoing"),
                ("sla_deadline", "<", now),
            ],
            "mine": [
                *still_open,
                "|",
                ("user_id", "=", uid),
                ("in_charge_user_id", "=", uid),
            ],
        }

    def action_view_overview_tickets(self):
        """Tickets behind one count of the overview, the kind in the context."""
        self.ensure_one()
        kind = self.env.context.get("support_overview_kind", "open")
        domains = self._get_overview_domains()
        if kind not in domains:
            raise UserError(self.env._("Unknown ticket count: %s", kind))
        titles = {
            "open": self.env._("Open Tickets"),
            "unassigned": self.env._("Unassigned Tickets"),
            "expired": self.env._("Expired Tickets"),
            "sla_failing": self.env._("Tickets Failing their SLA"),
            "mine": self.env._("My Tickets"),
        }
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_desk.support_ticket_action"
        )
        action["name"] = self.env._(
            "%(team)s: %(title)s", team=self.display_name, title=titles[kind]
        )
        action["domain"] = [("team_id", "=", self.id), *domains[kind]]
        action["context"] = {"default_team_id": self.id}
        return action

    @api.model_create_multi
    def create(self, vals_list):
        teams = super().create(vals_list)
        # Record rules read the user's teams: their cache must follow membership.
        self.env.registry.clear_cache()
        return teams

    def write(self, vals):
        res = super().write(vals)
        if "member_ids" in vals or "company_id" in vals:
            self.env.registry.clear_cache()
        return res

    def _get_available_members(self):
        """Members who can take new tickets now: available and not on leave."""
        self.ensure_one()
        members = self.member_ids.filtered(
            lambda u: u.active and not u.support_unavailable
        ).sorted("id")
        if not members:
            return members
        now = fields.Datetime.now()
        on_leave = (
            self.env["resource.calendar.leaves"]
            .sudo()
            .search(
                [
                    ("resource_id.user_id", "in", members.ids),
                    ("date_from", "<=", now),
                    ("date_to", ">=", now),
                ]
            )
        )
        return members - on_leave.resource_id.user_id

    def _pick_assignee(self):
        """The member the next new ticket goes to, per the team's method."""
        self.ensure_one()
        if self.assign_method == "manual":
            return self.env["res.users"]
        members = self._get_available_members()
        if not members:
            return members
        # Lock the team row so that concurrent tickets do not pick the same member.
        self.env.cr.execute(
            "SELECT id FROM support_team WHERE id = %s FOR UPDATE", [self.id]
        )
        if self.assign_method == "round_robin":
            self.invalidate_recordset(["last_assigned_user_id"])
            later = members.filtered(lambda u: u.id > self.last_assigned_user_id.id)
            user = later[:1] or members[:1]
        else:
            counts = dict(
                self.env["support.ticket"]
                .sudo()
                ._read_group(
                    [
                        ("user_id", "in", members.ids),
                        ("state", "not in", ("done", "cancelled")),
                    ],
                    ["user_id"],
                    ["__count"],
                )
            )
            user = min(members, key=lambda u: (counts.get(u, 0), u.id))
        self.sudo().last_assigned_user_id = user
        return user

    def action_view_open_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_desk.support_ticket_action"
        )
        action["domain"] = [("team_id", "=", self.id)]
        action["context"] = {
            "default_team_id": self.id,
            "search_default_filter_open": 1,
        }
        return action

    # Mail alias --------------------------------------------------------------

    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get("support.ticket").id
        if self.id:
            values["alias_defaults"] = defaults = ast.literal_eval(
                self.alias_defaults or "{}"
            )
            defaults["team_id"] = self.id
        return values
