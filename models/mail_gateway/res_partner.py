from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Mail domain of the partner, to put unknown senders in their company.
    support_email_domain = fields.Char(
        string="Mail Domain",
        compute="_compute_support_email_domain",
        store=True,
        index="btree_not_null",
    )

    @api.depends("email_normalized", "website", "is_company")
    def _compute_support_email_domain(self):
        for partner in self:
            domain = (partner.email_normalized or "").rpartition("@")[2]
            if not domain and partner.is_company and partner.website:
                domain = partner.website.split("://")[-1].split("/")[0]
                domain = domain.removeprefix("www.")
            partner.support_email_domain = domain.lower() or False

    @api.model
    def _support_find_by_email_domain(self, domain):
        """The company owning mail ``domain``: a company with that domain, else
        the company of a contact with that domain (never a private person who
        happens to share it)."""
        partner = self.search(
            [
                ("support_email_domain", "=", domain.lower()),
                "|",
                ("is_company", "=", True),
                ("parent_id", "!=", False),
            ],
            order="is_company desc, id",
            limit=1,
        )
        return partner.commercial_partner_id
