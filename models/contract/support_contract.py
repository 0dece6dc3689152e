from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SupportContract(models.Model):
    _name = "support.contract"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Service Contract"
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    reference = fields.Char(copy=False, index=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Account",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('parent_id', '=', False)]",
    )
    final_partner_id = fields.Many2one(
        "res.partner",
        string="Final Customer",
        index="btree_not_null",
        check_company=True,
        domain="[('parent_id', '=', False)]",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        tracking=True,
    )
    date_start = fields.Date(
        string="Start Date",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
    )
    date_end = fields.Date(string="End Date", tracking=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("active", "Active"),
            ("expired", "Expired"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="draft",
        copy=False,
        index=True,
        tracking=True,
    )
    sla_policy_id = fields.Many2one(
        "support.sla.policy", string="SLA Policy", check_company=True, tracking=True
    )
    service_mode = fields.Selection(
        [("standard", "Standard"), ("prepaid", "Prepaid Hours")],
        required=True,
        default="standard",
        tracking=True,
    )
    hours_bought = fields.Float(tracking=True)
    hours_used = fields.Float(
        compute="_compute_hours_used",
        help="Billable time tracked on the contract's tickets.",
    )
    hours_left = fields.Float(compute="_compute_hours_used")
    warning_hours = fields.Float(
        string="Warn below (Hours)",
        help="A warning is posted when the hours left fall below this amount.",
    )
    is_low_on_hours = fields.Boolean(compute="_compute_hours_used")
    low_hours_warned = fields.Boolean(copy=False, readonly=True)
    portal_show_tracking = fields.Boolean(
        string="Show Tracked Time in the Portal",
        help="The customer sees the billable time tracked on the tickets of this "
        "contract in the portal. Time that is not billable is never shown.",
    )
    equipment_ids = fields.One2many(
        "maintenance.equipment", "support_contract_id", string="Covered Assets"
    )
    project_id = fields.Many2one(
        "project.project",
        check_company=True,
        help="Time tracked on the tickets of this contract goes to this project.",
    )
    ticket_ids = fields.One2many("support.ticket", "contract_id", string="Tickets")
    ticket_count = fields.Integer(compute="_compute_ticket_count")
    notes = fields.Html()

    @api.depends("hours_bought", "warning_hours", "service_mode")
    def _compute_hours_used(self):
        used = self._get_billable_hours()
        for contract in self:
            contract.hours_used = used.get(contract.id, 0.0)
            contract.hours_left = contract.hours_bought - contract.hours_used
            contract.is_low_on_hours = (
                contract.service_mode == "prepaid"
                and contract.hours_left < contract.warning_hours
            )

    def _compute_ticket_count(self):
        counts = dict(
            self.env["support.ticket"]._read_group(
                [("contract_id", "in", self.ids)], ["contract_id"], ["__count"]
            )
        )
        for contract in self:
            contract.ticket_count = counts.get(contract, 0)

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for contract in self:
            if contract.date_end and contract.date_end < contract.date_start:
                raise ValidationError(
                    self.env._("A contract cannot end before it starts.")
                )

    @api.constrains("partner_id", "final_partner_id", "date_start", "date_end", "state")
    def _check_overlap(self):
        for contract in self.filtered(lambda c: c.state in ("draft", "active")):
            domain = [
                ("id", "!=", contract.id),
                ("partner_id", "=", contract.partner_id.id),
                ("final_partner_id", "=", contract.final_partner_id.id),
                ("state", "in", ("draft", "active")),
                "|",
                ("date_end", "=", False),
                ("date_end", ">=", contract.date_start),
            ]
            if contract.date_end:
                domain.append(("date_start", "<=", contract.date_end))
            other = self.sudo().search(domain, limit=1)
            if other:
                raise ValidationError(
                    self.env._(
                        "The contract %(contract)s overlaps %(other)s for the same "
                        "customer and period.",
                        contract=contract.name,
                        other=other.name,
                    )
                )

    @api.constrains("hours_bought", "warning_hours")
    def _check_hours(self):
        for contract in self:
            if contract.hours_bought < 0 or contract.warning_hours < 0:
                raise ValidationError(self.env._("Hours cannot be negative."))

    def action_activate(self):
        self.write({"state": "active"})

    def action_cancel(self):
        self.write({"state": "cancelled"})

    def action_draft(self):
        self.write({"state": "draft"})

    def action_view_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_desk.support_ticket_action"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {
            "default_contract_id": self.id,
            "default_partner_id": self.partner_id.id,
        }
        return action

    @api.model
    def _cron_expire_contracts(self):
        """Only the contracts that ended are touched."""
        ended = self.search(
            [
                ("state", "=", "active"),
                ("date_end", "<", fields.Date.context_today(self)),
            ]
        )
        ended.write({"state": "expired"})

    @api.model
    def _find_for_ticket(self, partner, final_partner=None, equipment=None, date=None):
        """The active contract that covers a ticket: the asset's, else the
        account's, else the final customer's.

        Read in sudo: every employee who opens a ticket gets its contract (and
        SLA), though only helpdesk users may read contracts. Returns the
        contract in the caller's environment.
        """
        Contract = self.sudo()
        date = date or fields.Date.context_today(self)
        base = [
            # What the multi-company rule gave before sudo.
            ("company_id", "in", self.env.companies.ids),
            ("state", "=", "active"),
            ("date_start", "<=", date),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", date),
        ]
        equipment_contract = equipment.sudo().support_contract_id if equipment else None
        if equipment_contract and equipment_contract.state == "active":
            return self.browse(equipment_contract.id)
        for customer in (partner, final_partner):
            if customer:
                contract = Contract.search(
                    base + [("partner_id", "=", customer.commercial_partner_id.id)],
                    order="final_partner_id desc, date_start desc",
                    limit=1,
                )
                if contract:
                    return self.browse(contract.id)
        return self.browse()

    def _get_billable_hours(self):
        """{contract id: billable hours tracked on its tickets}, in one query."""
        Line = self.env["account.analytic.line"]
        if not self.ids or "support_ticket_id" not in Line._fields:
            return {}
        groups = Line.sudo()._read_group(
            [
                ("support_ticket_id.contract_id", "in", self.ids),
                ("support_billable", "=", True),
            ],
            ["support_ticket_id"],
            ["unit_amount:sum"],
        )
        hours = {}
        for ticket, amount in groups:
            hours[ticket.contract_id.id] = (
                hours.get(ticket.contract_id.id, 0.0) + amount
            )
        return hours

    def _check_prepaid_threshold(self):
        """Warn once when a prepaid contract falls below its threshold."""
        # Hours come from the tracking lines, which the cache does not follow.
        self.invalidate_recordset(["hours_used", "hours_left", "is_low_on_hours"])
        for contract in self.filtered(lambda c: c.service_mode == "prepaid"):
            if contract.is_low_on_hours and not contract.low_hours_warned:
                contract.low_hours_warned = True
                contract.message_post(
                    body=self.env._(
                        "Only %(left).2f prepaid hours are left on this contract "
                        "(warning below %(limit).2f).",
                        left=contract.hours_left,
                        limit=contract.warning_hours,
                    ),
                    partner_ids=contract.user_id.partner_id.ids,
                )
                contract.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Prepaid hours running out"),
                    user_id=contract.user_id.id or self.env.uid,
                )
            elif not contract.is_low_on_hours and contract.low_hours_warned:
                contract.low_hours_warned = False
