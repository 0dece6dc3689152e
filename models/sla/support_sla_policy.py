from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SupportSlaPolicy(models.Model):
    _name = "support.sla.policy"
    _description = "SLA Policy"
    _order = "name, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        check_company=True,
        default=lambda self: self.env.company.resource_calendar_id,
        help="Targets count only the working hours of this calendar, in its time zone; "
        "its global leaves are the holidays.",
    )
    line_ids = fields.One2many("support.sla.policy.line", "policy_id", string="Targets")
    escalation_ids = fields.One2many(
        "support.sla.escalation", "policy_id", string="Escalation Levels"
    )
    description = fields.Text(translate=True)

    @api.constrains("calendar_id")
    def _check_calendar_id(self):
        for policy in self:
            if not policy.calendar_id:
                raise ValidationError(
                    self.env._("The SLA policy %s needs working hours.", policy.name)
                )

    def _get_line_for_priority(self, priority):
        """Targets for a priority: its own line, else the nearest lower priority's."""
        self.ensure_one()
        candidates = self.line_ids.filtered(
            lambda line: line.priority_id.sequence <= priority.sequence
        )
        return candidates.sorted(lambda line: line.priority_id.sequence)[-1:]
