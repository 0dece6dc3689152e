from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Numbers in E.164 (+390212345678), so that a caller is found with one indexed
    # query whatever way the number was typed.
    support_phone_sanitized = fields.Char(
        string="Phone (E.164)",
        compute="_compute_support_phone_sanitized",
        store=True,
        index="btree_not_null",
    )

    support_mobile_sanitized = fields.Char(
        string="Mobile (E.164)",
        compute="_compute_support_phone_sanitized",
        store=True,
        index="btree_not_null",
    )

    @api.depends("phone", "mobile", "country_id")
    def _compute_support_phone_sanitized(self):
        default_country = self.env.company._support_pbx_country()
        for partner in self:
            country = partner.country_id or default_country
            for source, target in (
                ("phone", "support_phone_sanitized"),
                ("mobile", "support_mobile_sanitized"),
            ):
                partner[target] = partner._support_sanitize_phone(
                    partner[source], country
                )

    @api.model
    def _support_sanitize_phone(self, number, country=None):
        """E.164 form of a number, or False when it cannot be understood."""
        if not number:
            return False
        country = country or self.env.company._support_pbx_country()
        if not country:
            return False
        return self._phone_format_number(number, country, force_format="E164") or False

    @api.model
    def _support_find_by_phone(self, number):
        """Partners whose phone or mobile is `number`: contacts before companies."""
        sanitized = self._support_sanitize_phone(number)
        if not sanitized:
            return self.browse()
        return self.search(
            [
                "|",
                ("support_phone_sanitized", "=", sanitized),
                ("support_mobile_sanitized", "=", sanitized),
            ],
            order="is_company, id",
        )

    def action_support_call_phone(self):
        self.ensure_one()
        Call = self.env["support.pbx.call"]
        Call._check_support_can_call()
        return Call._originate(self.phone, partner=self)

    def action_support_call_mobile(self):
        self.ensure_one()
        Call = self.env["support.pbx.call"]
        Call._check_support_can_call()
        return Call._originate(self.mobile, partner=self)
