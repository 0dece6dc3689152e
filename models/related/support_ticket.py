from odoo import Command, api, fields, models


class SupportTicket(models.Model):
    _inherit = "support.ticket"

    related_ticket_ids = fields.Many2many(
        "support.ticket",
        "support_ticket_related_rel",
        "ticket_id",
        "related_id",
        string="Related Tickets",
        copy=False,
        groups="base.group_user",
        # Picked among the tickets of the same account / final customer, all
        # of them for a ticket without customer or with "Any Customer" ticked.
        domain="[('id', '!=', id)] if related_search_all "
        "or not (partner_id or final_partner_id) else [('id', '!=', id), "
        "'|', '|', '|', ('partner_id', '=', partner_id or -1), "
        "('final_partner_id', '=', partner_id or -1), "
        "('partner_id', '=', final_partner_id or -1), "
        "('final_partner_id', '=', final_partner_id or -1)]",
    )

    related_search_all = fields.Boolean(
        string="Related from Any Customer",
        store=False,
        groups="base.group_user",
        help="Pick the related tickets among the tickets of every customer, not "
        "only those of the account and final customer.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        tickets = super().create(vals_list)
        tickets._sync_related_tickets()
        return tickets

    def write(self, vals):
        old_related = (
            {ticket: ticket.related_ticket_ids for ticket in self}
            if "related_ticket_ids" in vals
            else None
        )
        res = super().write(vals)
        if old_related is not None:
            self._sync_related_tickets(old_related)
        return res

    def _sync_related_tickets(self, old_related=None):
        """Keep "related tickets" symmetric: if A lists B, B lists A.

        Linking changes the other ticket too: the user must be allowed to
        change it, whatever the context says (the guard key below only stops
        the other side from syncing back).
        """
        changes = []
        for ticket in self:
            before = (
                old_related.get(ticket, self.browse()) if old_related else self.browse()
            )
            added = ticket.related_ticket_ids - before
            removed = before - ticket.related_ticket_ids
            if added or removed:
                changes.append((ticket, added, removed))
        if not changes:
            return
        self.browse().union(*(a | r for _t, a, r in changes)).check_access("write")
        if self.env.context.get("support_sync_related"):
            return
        for ticket, added, removed in changes:
            for other in added.with_context(support_sync_related=True):
                other.related_ticket_ids = [Command.link(ticket.id)]
            for other in removed.with_context(support_sync_related=True):
                other.related_ticket_ids = [Command.unlink(ticket.id)]
