from odoo import fields, models


class SupportTeam(models.Model):
    _inherit = "support.team"

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
