from odoo import api, fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    support_team_ids = fields.Many2many(
        "support.team",
        "support_team_member_rel",
        "user_id",
        "team_id",
        string="Support Teams",
    )
    support_assign_team_ids = fields.Many2many(
        "support.team",
        "support_user_assign_team_rel",
        "user_id",
        "team_id",
        string="May Assign to Teams",
        help="As Ticket Administrator, this user assigns tickets to these teams and "
        "sees the tickets of these teams.",
    )
    support_assign_user_ids = fields.Many2many(
        "res.users",
        "support_user_assign_user_rel",
        "admin_id",
        "user_id",
        string="May Assign to Users",
        domain="[('share', '=', False)]",
        help="As Ticket Administrator, this user assigns tickets to these users and "
        "sees the tickets they opened.",
    )
    support_unavailable = fields.Boolean(
        string="Unavailable for Tickets",
        help="Automatic assignment skips this user.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ["support_unavailable"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["support_unavailable"]

    def write(self, vals):
        res = super().write(vals)
        if {
            "support_team_ids",
            "support_assign_team_ids",
            "support_assign_user_ids",
        } & vals.keys():
            # Record rules read these fields: drop the cached rule domains.
            self.env.registry.clear_cache()
        return res

    @api.model
    def _support_assign_scope(self):
        """(teams, users) the current user may assign tickets to.

        Managers may assign to any team and internal user of their companies;
        ticket administrators only to what their user record lists.
        """
        user = self.env.user
        if user.has_group("support_desk.group_support_manager") or self.env.su:
            teams = self.env["support.team"].search([])
            users = self.env["res.users"].search([("share", "=", False)])
            return teams, users
        if user.has_group("support_desk.group_support_ticket_admin"):
            admin = user.sudo()
            teams = admin.support_assign_team_ids
            return teams, admin.support_assign_user_ids | teams.member_ids
        return self.env["support.team"], self.env["res.users"]
