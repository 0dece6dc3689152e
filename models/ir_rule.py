from odoo import api, models
from odoo.osv import expression


class IrRule(models.Model):
    _inherit = "ir.rule"

    @api.model
    def _compute_domain(self, model_name, mode="read"):
        """Tracking lines of a ticket are visible only to who sees the ticket.

        The ticket's own record rules (whatever group grants them) restrict its
        timesheet lines, the way Odoo restricts the children of ``_inherits``:
        reading a line needs read access to its ticket, changing it needs write
        access.
        """
        domain = super()._compute_domain(model_name, mode)
        if model_name != "account.analytic.line" or "support.ticket" not in self.env:
            return domain
        ticket_domain = super()._compute_domain(
            "support.ticket", "read" if mode == "read" else "write"
        )
        if not ticket_domain:
            return domain
        restriction = [
            "|",
            ("support_ticket_id", "=", False),
            ("support_ticket_id", "any", ticket_domain),
        ]
        return expression.AND([domain, restriction]) if domain else restriction
