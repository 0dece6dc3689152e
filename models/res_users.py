from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError


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
    support_pbx_extension = fields.Char(
        string="PBX Extension",
        index="btree_not_null",
        copy=False,
        help="Extension of this user on the phone system: incoming calls to it pop "
        "up in their browser, click-to-call rings it first. Set by an "
        "administrator, unique per company.",
    )

    # The extension is readable by its user, never self-writeable: click-to-call
    # rings whatever extension is set here (toll fraud).
    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + [
            "support_unavailable",
            "support_pbx_extension",
        ]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["support_unavailable"]

    @api.constrains("support_pbx_extension", "company_ids")
    def _check_support_pbx_extension_unique(self):
        """An extension rings one user: two users of a company never share one."""
        for user in self.filtered("support_pbx_extension"):
            other = (
                self.sudo()
                .with_context(active_test=False)
                .search(
                    [
                        ("id", "!=", user.id),
                        ("support_pbx_extension", "=", user.support_pbx_extension),
                        ("company_ids", "in", user.company_ids.ids),
                    ],
                    limit=1,
                )
            )
            if other:
                raise ValidationError(
                    self.env._(
                        "The PBX extension %(extension)s is already used by "
                        "%(user)s in the same company.",
                        extension=user.support_pbx_extension,
                        user=other.name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD overrides
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("support_pbx_extension"):
                self._check_support_pbx_extension_access()
                self._support_clean_pbx_extension(vals)
        return super().create(vals_list)

    def write(self, vals):
        if "support_pbx_extension" in vals:
            self._check_support_pbx_extension_access()
            self._support_clean_pbx_extension(vals)
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
    def _check_support_pbx_extension_access(self):
        """Extensions are set by user administrators and helpdesk managers only.

        :raise AccessError: for any other user, the extension's own user included
        """
        user = self.env.user
        if (
            self.env.su
            or user.has_group("base.group_erp_manager")
            or user.has_group("support_desk.group_support_manager")
        ):
            return
        raise AccessError(
            self.env._("Only administrators can set the PBX extension of a user.")
        )

    @api.model
    def _support_clean_pbx_extension(self, vals):
        """Without spaces, so that the PBX's "201" finds " 201 "."""
        extension = vals["support_pbx_extension"]
        if isinstance(extension, str):
            vals["support_pbx_extension"] = extension.strip() or False

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
