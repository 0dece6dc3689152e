from odoo import fields, models


class SupportTeam(models.Model):
    """Customer satisfaction per team: Odoo's ``rating.parent.mixin`` (inherited
    by the team) sums up its tickets' ratings of the last 30 days."""

    _inherit = "support.team"
    _rating_satisfaction_days = 30

    use_rating = fields.Boolean(
        string="Customer Ratings",
        help="Closing a ticket mails the customer a one-click satisfaction survey, "
        "also shown on the ticket's portal page.",
    )
