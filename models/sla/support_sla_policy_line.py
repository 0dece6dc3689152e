from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SupportSlaPolicyLine(models.Model):
    _name = "support.sla.policy.line"
    _description = "SLA Target"
    _order = "policy_id, priority_sequence, id"

    policy_id = fields.Many2one(
        "support.sla.policy", required=True, ondelete="cascade", index=True
    )
    priority_id = fields.Many2one("support.priority", required=True)
    priority_sequence = fields.Integer(related="priority_id.sequence", store=True)
    first_response_hours = fields.Float(
        string="First Response (Working Hours)",
        help="Working hours to the first public reply of an agent. 0 means no target.",
    )
    resolution_hours = fields.Float(
        string="Resolution (Working Hours)",
        help="Working hours to closing. 0 means no target.",
    )

    _sql_constraints = [
        (
            "priority_uniq",
            "unique (policy_id, priority_id)",
            "A policy has one line per priority.",
        ),
    ]

    @api.constrains("first_response_hours", "resolution_hours")
    def _check_hours(self):
        for line in self:
            if line.first_response_hours < 0 or line.resolution_hours < 0:
                raise ValidationError(self.env._("SLA targets cannot be negative."))

    def _get_targets(self):
        """{target: hours} of the targets that are set."""
        self.ensure_one()
        targets = {
            "first_response": self.first_response_hours,
            "resolution": self.resolution_hours,
        }
        return {target: hours for target, hours in targets.items() if hours > 0}
