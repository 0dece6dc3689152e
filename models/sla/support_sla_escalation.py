from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SupportSlaEscalation(models.Model):
    _name = "support.sla.escalation"
    _description = "SLA Escalation Level"
    _order = "policy_id, sequence, id"

    policy_id = fields.Many2one(
        "support.sla.policy", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    target = fields.Selection(
        [
            ("all", "All Targets"),
            ("first_response", "First Response"),
            ("resolution", "Resolution"),
        ],
        required=True,
        default="all",
    )
    trigger = fields.Selection(
        [
            ("percent", "Share of the Target Used"),
            ("breach", "At Breach"),
            ("after", "Hours after Breach"),
        ],
        required=True,
        default="breach",
    )
    value = fields.Float(
        help="Percentage of the target's working time for 'Share of the Target Used', "
        "working hours for 'Hours after Breach'.",
    )
    notify_assignee = fields.Boolean(string="Assignee", default=True)
    notify_in_charge = fields.Boolean(string="In Charge")
    notify_team_leader = fields.Boolean(string="Team Leader")
    user_ids = fields.Many2many(
        "res.users", string="Users", domain="[('share', '=', False)]"
    )
    group_ids = fields.Many2many("res.groups", string="Groups")
    email_to = fields.Char(string="Other Emails", help="Addresses separated by commas.")

    @api.constrains("trigger", "value")
    def _check_value(self):
        for level in self:
            if level.value < 0:
                raise ValidationError(
                    self.env._("An escalation value cannot be negative.")
                )
            if level.trigger == "percent" and not 0 < level.value < 100:
                raise ValidationError(
                    self.env._("A share of the target is between 0 and 100 %.")
                )

    def _applies_to(self, target):
        self.ensure_one()
        return self.target in ("all", target)

    def _working_hours_from_start(self, target_hours):
        """Working hours after the SLA start at which this level is due."""
        self.ensure_one()
        if self.trigger == "percent":
            return target_hours * self.value / 100
        if self.trigger == "after":
            return target_hours + self.value
        return target_hours

    def _get_recipients_batch(self, tickets):
        """Partners to notify, per ticket id."""
        self.ensure_one()
        fixed = (self.user_ids | self.group_ids.users).filtered("active").partner_id
        emails = tickets._split_emails(self.email_to)
        if emails:
            Partner = self.env["res.partner"].sudo()
            fixed |= Partner.concat(*Partner._find_or_create_from_emails(emails))
        recipients = {}
        for ticket in tickets:
            users = self.env["res.users"]
            if self.notify_assignee:
                users |= ticket.user_id
            if self.notify_in_charge:
                users |= ticket.in_charge_user_id
            if self.notify_team_leader:
                users |= ticket.team_id.user_id
            recipients[ticket.id] = fixed | users.filtered("active").partner_id
        return recipients
