from odoo import api, models
from odoo.osv import expression

# Records that belong to a ticket and are visible only to who sees the ticket:
# {model: field pointing to the ticket}.
TICKET_CHILDREN = {
    "account.analytic.line": "support_ticket_id",
    "support.ticket.sla": "ticket_id",
}


class IrRule(models.Model):
    _inherit = "ir.rule"

    @api.model
    def _compute_domain(self, model_name, mode="read"):
        """Children of a ticket follow the ticket's own record rules.

        The way Odoo restricts the children of ``_inherits``: reading needs read
        access to the ticket, changing needs write access. A rule domain such as
        ``('ticket_id', 'any', [])`` would not do: rule domains are evaluated
        without the comodel's rules.
        """
        domain = super()._compute_domain(model_name, mode)
        field = TICKET_CHILDREN.get(model_name)
        if not field or "support.ticket" not in self.env:
            return domain
        ticket_domain = super()._compute_domain(
            "support.ticket", "read" if mode == "read" else "write"
        )
        if not ticket_domain:
            return domain
        restriction = ["|", (field, "=", False), (field, "any", ticket_domain)]
        return expression.AND([domain, restriction]) if domain else restriction
