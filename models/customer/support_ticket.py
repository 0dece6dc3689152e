from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SupportTicket(models.Model):
    _inherit = "support.ticket"

    allowed_type_ids = fields.Many2many(
        "support.ticket.type", compute="_compute_allowed_type_ids"
    )
    # The first seed's "Punti CB" column: the customer's service points.
    partner_cb_points = fields.Integer(
        string="CB Points",
        related="partner_id.commercial_partner_id.support_cb_points",
        store=True,
        index=True,
        groups="base.group_user",
    )

    @api.depends("partner_id")
    def _compute_allowed_type_ids(self):
        defaults = self.env["support.ticket.type"].search([("is_default", "=", True)])
        for ticket in self:
            own = ticket.partner_id.commercial_partner_id.sudo().support_type_ids
            ticket.allowed_type_ids = own or defaults

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
