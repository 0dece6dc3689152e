from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..ticket.support_stage import CLOSED_STATES

# Open tickets listed on the customer card.
CARD_TICKET_LIMIT = 5

# What a customer may do in the portal and on which tickets: set by helpdesk
# managers only, while every employee keeps editing the rest of the partner.
SUPPORT_MANAGER_FIELDS = (
    "support_type_ids",
    "support_portal_company_visible",
    "support_final_partner_ids",
)
# What the desk keeps about a customer: employees read it, agents keep it.
SUPPORT_AGENT_FIELDS = ("support_cb_points",)


class ResPartner(models.Model):
    _inherit = "res.partner"

    support_type_ids = fields.Many2many(
        "support.ticket.type",
        "support_partner_type_rel",
        "partner_id",
        "type_id",
        string="Allowed Ticket Types",
        help="Ticket types this company may use. Leave empty to use the default types.",
    )
    support_ticket_ids = fields.One2many(
        "support.ticket", "partner_id", string="Tickets"
    )
    support_ticket_count = fields.Integer(
        string="Ticket Count", compute="_compute_support_ticket_count"
    )
    support_contract_ids = fields.One2many(
        "support.contract", "partner_id", string="Service Contracts"
    )
    support_contract_count = fields.Integer(
        string="Contract Count", compute="_compute_support_contract_count"
    )
    support_equipment_ids = fields.One2many(
        "maintenance.equipment", "support_partner_id", string="Assets"
    )
    support_equipment_count = fields.Integer(
        string="Asset Count", compute="_compute_support_contract_count"
    )
    support_project_count = fields.Integer(
        string="Project Count", compute="_compute_support_project_count"
    )
    support_contact_count = fields.Integer(
        string="Contact Count", compute="_compute_support_contact_count"
    )

    # The customer card (a dialog opened from the ticket form).
    support_card_contract_ids = fields.Many2many(
        "support.contract",
        string="Active Contracts",
        compute="_compute_support_card",
    )
    support_card_project_ids = fields.Many2many(
        "project.project", string="Customer Projects", compute="_compute_support_card"
    )
    support_card_ticket_ids = fields.Many2many(
        "support.ticket", string="Last Open Tickets", compute="_compute_support_card"
    )
    # Prepaid hours of the customer's active contracts (account or final customer).
    support_prepaid_hours_bought = fields.Float(
        string="Prepaid Hours Bought",
        compute="_compute_support_prepaid_hours",
        groups="base.group_user",
    )
    support_prepaid_hours_used = fields.Float(
        string="Prepaid Hours Used",
        compute="_compute_support_prepaid_hours",
        groups="base.group_user",
    )
    support_prepaid_hours_left = fields.Float(
        string="Prepaid Hours Left",
        compute="_compute_support_prepaid_hours",
        groups="base.group_user",
    )
    # Sales and CRM on the card when installed (never dependencies): the
    # counts read in the user's rights, False/0 without the apps or the rights.
    support_card_has_sale = fields.Boolean(
        compute="_compute_support_card_sales", groups="base.group_user"
    )
    support_card_has_crm = fields.Boolean(
        compute="_compute_support_card_sales", groups="base.group_user"
    )
    support_quotation_count = fields.Integer(
        string="Quotations",
        compute="_compute_support_card_sales",
        groups="base.group_user",
    )
    support_sale_order_count = fields.Integer(
        string="Sales Orders",
        compute="_compute_support_card_sales",
        groups="base.group_user",
    )
    support_opportunity_count = fields.Integer(
        string="Opportunities",
        compute="_compute_support_card_sales",
        groups="base.group_user",
    )
    support_portal_company_visible = fields.Boolean(
        string="Contacts See All Company Tickets",
        help="In the portal, every contact of this company sees all the company's "
        "tickets. Otherwise each contact sees their own.",
    )
    support_cb_points = fields.Integer(
        string="CB Points",
        groups="base.group_user",
        help="Service points of the customer (its lines): shown and searchable in "
        "the ticket lists.",
    )
    support_final_partner_ids = fields.Many2many(
        "res.partner",
        "support_partner_final_partner_rel",
        "partner_id",
        "final_partner_id",
        string="Final Customers",
        domain="[('parent_id', '=', False)]",
        help="Customers this reseller may open tickets for from the portal, besides "
        "the final customers of its contracts.",
    )

    # ------------------------------------------------------------------
    # CRUD overrides
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # Empty settings are the default: a new partner may carry them.
            self._check_support_settings_access(
                [fname for fname in SUPPORT_MANAGER_FIELDS if vals.get(fname)]
            )
            self._check_support_agent_fields_access(
                [fname for fname in SUPPORT_AGENT_FIELDS if vals.get(fname)]
            )
        return super().create(vals_list)

    def write(self, vals):
        self._check_support_settings_access(
            [fname for fname in SUPPORT_MANAGER_FIELDS if fname in vals]
        )
        self._check_support_agent_fields_access(
            [fname for fname in SUPPORT_AGENT_FIELDS if fname in vals]
        )
        return super().write(vals)

    @api.model
    def _check_support_settings_access(self, field_names):
        """Only helpdesk managers set what customers may do in the helpdesk.

        :raise AccessError: when another user writes one of `field_names`
        """
        if self._support_fields_refused(field_names, "group_support_manager"):
            raise AccessError(
                self.env._(
                    "Only helpdesk managers can change these customer settings: %s",
                    self._support_field_labels(field_names),
                )
            )

    @api.model
    def _check_support_agent_fields_access(self, field_names):
        """Only helpdesk agents keep the customer's service data (CB points).

        :raise AccessError: when another user writes one of `field_names`
        """
        if self._support_fields_refused(field_names, "group_support_agent"):
            raise AccessError(
                self.env._(
                    "Only helpdesk agents can change this customer data: %s",
                    self._support_field_labels(field_names),
                )
            )

    @api.model
    def _support_fields_refused(self, field_names, group):
        """Whether writing `field_names` is refused to a user outside `group`."""
        return bool(
            field_names
            and not self.env.su
            and not self.env.user.has_group(f"support_desk.{group}")
        )

    @api.model
    def _support_field_labels(self, field_names):
        return ", ".join(self._fields[fname].string for fname in field_names)

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_support_contract_count(self):
        companies = self.commercial_partner_id.ids
        Contract = self.env["support.contract"]
        contracts = {}
        # Contracts are for helpdesk users: others see no count, not an error.
        if companies and Contract.has_access("read"):
            contracts = dict(
                Contract._read_group(
                    [("partner_id", "in", companies)], ["partner_id"], ["__count"]
                )
            )
        assets = dict(
            self.env["maintenance.equipment"]._read_group(
                [("support_partner_id", "in", companies)],
                ["support_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            company = partner.commercial_partner_id
            partner.support_contract_count = contracts.get(company, 0)
            partner.support_equipment_count = assets.get(company, 0)

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_support_project_count(self):
        companies = self.commercial_partner_id
        Project = self.env["project.project"]
        counts = {}
        if companies.ids and Project.has_access("read"):
            # Projects may name a contact of the customer: count them on its company.
            for partner, count in Project._read_group(
                [("partner_id", "child_of", companies.ids)],
                ["partner_id"],
                ["__count"],
            ):
                company = partner.commercial_partner_id
                counts[company] = counts.get(company, 0) + count
        for partner in self:
            partner.support_project_count = counts.get(partner.commercial_partner_id, 0)

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_support_contact_count(self):
        companies = self.commercial_partner_id
        counts = {}
        if companies.ids:
            counts = dict(
                self.env["res.partner"]._read_group(
                    [
                        ("commercial_partner_id", "in", companies.ids),
                        ("id", "not in", companies.ids),
                    ],
                    ["commercial_partner_id"],
                    ["__count"],
                )
            )
        for partner in self:
            partner.support_contact_count = counts.get(partner.commercial_partner_id, 0)

    def _support_active_contracts(self):
        """Active contracts of the partners' companies, as account or final
        customer, that the user may read."""
        companies = self.commercial_partner_id
        Contract = self.env["support.contract"]
        if not companies.ids or not Contract.has_access("read"):
            return Contract
        return Contract.search(
            [
                ("state", "=", "active"),
                "|",
                ("partner_id", "in", companies.ids),
                ("final_partner_id", "in", companies.ids),
            ]
        )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_support_prepaid_hours(self):
        contracts = self._support_active_contracts().filtered(
            lambda c: c.service_mode == "prepaid"
        )
        for partner in self:
            company = partner.commercial_partner_id
            mine = contracts.filtered(
                lambda c, company=company: (
                    company in (c.partner_id | c.final_partner_id)
                )
            )
            # hours_used is computed for all the contracts at once.
            partner.support_prepaid_hours_bought = sum(mine.mapped("hours_bought"))
            partner.support_prepaid_hours_used = sum(mine.mapped("hours_used"))
            partner.support_prepaid_hours_left = sum(mine.mapped("hours_left"))

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_support_card_sales(self):
        counts = {}
        for kind, (model, domain) in self._support_card_sales_domains().items():
            counts[kind] = self._support_count_by_company(model, domain)
        has_sale = self._support_card_can_read("sale.order")
        has_crm = self._support_card_can_read("crm.lead")
        for partner in self:
            company = partner.commercial_partner_id
            partner.support_card_has_sale = has_sale
            partner.support_card_has_crm = has_crm
            for kind, by_company in counts.items():
                partner[f"support_{kind}_count"] = by_company.get(company, 0)

    @api.model
    def _support_card_sales_domains(self):
        """{count: (model, domain)} of the Sales and CRM documents on the card."""
        return {
            "quotation": ("sale.order", [("state", "in", ("draft", "sent"))]),
            "sale_order": ("sale.order", [("state", "=", "sale")]),
            "opportunity": (
                "crm.lead",
                [("type", "=", "opportunity"), ("stage_id.is_won", "=", False)],
            ),
        }

    @api.model
    def _support_card_can_read(self, model):
        return model in self.env and self.env[model].has_access("read")

    def _support_count_by_company(self, model, domain):
        """{company: count} of a model's records whose partner belongs to one of
        the partners' companies, in one grouped query with the user's rights;
        empty when the app is not installed or the user may not read it."""
        companies = self.commercial_partner_id
        if not companies.ids or not self._support_card_can_read(model):
            return {}
        counts = {}
        for partner, count in self.env[model]._read_group(
            [("partner_id", "child_of", companies.ids), *domain],
            ["partner_id"],
            ["__count"],
        ):
            company = partner.commercial_partner_id
            counts[company] = counts.get(company, 0) + count
        return counts

    def _support_card_sales_action(self, kind):
        """The customer's quotations, orders or opportunities, in the user's rights."""
        self.ensure_one()
        model, domain = self._support_card_sales_domains()[kind]
        if not self._support_card_can_read(model):
            raise UserError(self.env._("This list is not available."))
        company = self.commercial_partner_id
        names = {
            "quotation": self.env._("Quotations"),
            "sale_order": self.env._("Sales Orders"),
            "opportunity": self.env._("Opportunities"),
        }
        return {
            "type": "ir.actions.act_window",
            "name": names[kind],
            "res_model": model,
            "view_mode": "list,kanban,form" if model == "crm.lead" else "list,form",
            "domain": [("partner_id", "child_of", company.id), *domain],
            "context": {"default_partner_id": company.id}
            | ({"default_type": "opportunity"} if model == "crm.lead" else {}),
        }

    @api.readonly
    def action_view_support_quotations(self):
        return self._support_card_sales_action("quotation")

    @api.readonly
    def action_view_support_sale_orders(self):
        return self._support_card_sales_action("sale_order")

    @api.readonly
    def action_view_support_opportunities(self):
        return self._support_card_sales_action("opportunity")

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_support_card(self):
        companies = self.commercial_partner_id
        contracts = self._support_active_contracts()
        Project = self.env["project.project"]
        projects = Project
        if companies.ids and Project.has_access("read"):
            projects = Project.search([("partner_id", "child_of", companies.ids)])
        Ticket = self.env["support.ticket"]
        for partner in self:
            company = partner.commercial_partner_id
            partner.support_card_contract_ids = contracts.filtered(
                lambda c, company=company: (
                    company in (c.partner_id | c.final_partner_id)
                )
            )
            partner.support_card_project_ids = projects.filtered(
                lambda p, company=company: p.partner_id.commercial_partner_id == company
            )
            # The card shows one customer at a time: a short search per partner.
            partner.support_card_ticket_ids = (
                Ticket.search(
                    company._support_card_ticket_domain(),
                    order="create_date desc, id desc",
                    limit=CARD_TICKET_LIMIT,
                )
                if company.id
                else Ticket
            )

    def _support_card_ticket_domain(self):
        """Open tickets of the company, as the account or as the final customer."""
        return [
            "|",
            ("partner_id", "=", self.id),
            ("final_partner_id", "=", self.id),
            ("state", "not in", CLOSED_STATES),
        ]

    @api.readonly
    def action_view_support_open_tickets(self):
        self.ensure_one()
        company = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_desk.support_ticket_action"
        )
        action["domain"] = company._support_card_ticket_domain()
        action["context"] = {"default_partner_id": company.id}
        return action

    @api.readonly
    def action_support_open_card(self):
        """The compact card of the partner's company, in a dialog."""
        self.ensure_one()
        company = self.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": company.display_name,
            "res_model": "res.partner",
            "res_id": company.id,
            "view_mode": "form",
            "views": [
                (
                    self.env.ref("support_desk.res_partner_view_form_support_card").id,
                    "form",
                )
            ],
            "target": "new",
        }

    def action_view_support_projects(self):
        self.ensure_one()
        company = self.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Projects"),
            "res_model": "project.project",
            "view_mode": "list,kanban,form",
            "domain": [("partner_id", "child_of", company.id)],
            "context": {"default_partner_id": company.id},
        }

    def action_view_support_contacts(self):
        self.ensure_one()
        company = self.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Contacts"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [
                ("commercial_partner_id", "=", company.id),
                ("id", "!=", company.id),
            ],
            "context": {"default_parent_id": company.id},
        }

    def action_view_support_contracts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_desk.support_contract_action"
        )
        company = self.commercial_partner_id
        action["domain"] = [("partner_id", "=", company.id)]
        action["context"] = {"default_partner_id": company.id}
        return action

    def action_view_support_equipment(self):
        self.ensure_one()
        company = self.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Assets"),
            "res_model": "maintenance.equipment",
            "view_mode": "list,form",
            "domain": [("support_partner_id", "=", company.id)],
            "context": {"default_support_partner_id": company.id},
        }

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_support_ticket_count(self):
        counts = dict(
            self.env["support.ticket"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.support_ticket_count = counts.get(partner.commercial_partner_id, 0)

    def action_view_support_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_desk.support_ticket_action"
        )
        company = self.commercial_partner_id
        action["domain"] = [("partner_id", "=", company.id)]
        action["context"] = {"default_partner_id": company.id}
        return action

    def _get_support_allowed_types(self):
        """Types this customer may use: its company's list, else the default types."""
        self.ensure_one()
        company = self.commercial_partner_id
        allowed = company.sudo().support_type_ids
        if allowed:
            return allowed
        return (
            self.env["support.ticket.type"].sudo().search([("is_default", "=", True)])
        )

    def _get_support_final_partners(self):
        """Final customers this customer (a reseller) may name on a portal ticket:
        its own list and the final customers of its contracts."""
        self.ensure_one()
        company = self.commercial_partner_id.sudo()
        partners = company.support_final_partner_ids
        if "support.contract" in self.env:
            contracts = (
                self.env["support.contract"]
                .sudo()
                .search(
                    [
                        ("partner_id", "=", company.id),
                        ("final_partner_id", "!=", False),
                        ("state", "in", ("draft", "active")),
                    ]
                )
            )
            partners |= contracts.final_partner_id
        return partners - company

    def _get_support_portal_equipment(self, final_partner=None):
        """Assets this customer may name on a portal ticket: those installed at
        its company or at the final customer it names."""
        self.ensure_one()
        Equipment = self.env["maintenance.equipment"].sudo()
        if "support_partner_id" not in Equipment._fields:
            return Equipment
        customers = self.commercial_partner_id
        if final_partner:
            customers |= final_partner.commercial_partner_id
        return Equipment.search([("support_partner_id", "in", customers.ids)])
