from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError


class ResUsers(models.Model):
    _inherit = "res.users"

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
        return super().SELF_READABLE_FIELDS + ["support_pbx_extension"]

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
        return super().write(vals)

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
