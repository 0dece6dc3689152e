from odoo import fields, models
from odoo.tools import SQL


class SupportTicketUnread(models.Model):
    """A ticket that has news its assignee or person in charge has not seen."""

    _name = "support.ticket.unread"
    _description = "Unread Ticket Mark"
    _log_access = False

    ticket_id = fields.Many2one(
        "support.ticket", required=True, index=True, ondelete="cascade"
    )
    user_id = fields.Many2one(
        "res.users", required=True, index=True, ondelete="cascade"
    )

    _sql_constraints = [
        (
            "ticket_user_uniq",
            "unique (ticket_id, user_id)",
            "A ticket is unread once per user.",
        ),
    ]

    def _mark(self, rows):
        """Mark (ticket id, user id) pairs unread; existing marks stay as they are.

        ON CONFLICT: two messages arriving at once must not fail on the unique key.
        """
        values = SQL(", ").join(SQL("(%s, %s)", ticket, user) for ticket, user in rows)
        self.env.cr.execute(
            SQL(
                "INSERT INTO support_ticket_unread (ticket_id, user_id) VALUES %s "
                "ON CONFLICT (ticket_id, user_id) DO NOTHING",
                values,
            )
        )
        self.invalidate_model()

    def _clear(self, ticket_ids, user_id):
        """Drop the user's marks on these tickets.

        Plain SQL: this runs each time a ticket is opened, and ORM unlink would log
        every call.
        """
        if not ticket_ids:
            return
        self.env.cr.execute(
            SQL(
                "DELETE FROM support_ticket_unread "
                "WHERE ticket_id IN %s AND user_id = %s",
                tuple(ticket_ids),
                user_id,
            )
        )
        self.invalidate_model()
