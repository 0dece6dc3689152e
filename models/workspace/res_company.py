from odoo import fields, models

from ..ticket.support_stage import CLOSED_STATES

CALENDAR_DATE_FIELDS = [
    ("date_planned_start", "Planned Start"),
    ("date_deadline", "Deadline"),
    ("sla_deadline", "SLA Deadline"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    support_calendar_date_field = fields.Selection(
        CALENDAR_DATE_FIELDS,
        string="Date Shown in the Calendar",
        default="date_deadline",
        required=True,
        help="The ticket date the calendar view shows, and the date of the event "
        "each assigned ticket gets in its assignee's calendar.",
    )

    def write(self, vals):
        res = super().write(vals)
        if "support_calendar_date_field" in vals:
            # Existing events move to the newly chosen date at once.
            tickets = (
                self.env["support.ticket"]
                .sudo()
                .with_context(active_test=False)
                .search(
                    [
                        ("company_id", "in", self.ids),
                        "|",
                        ("calendar_event_id", "!=", False),
                        "&",
                        "&",
                        ("user_id", "!=", False),
                        ("active", "=", True),
                        ("state", "not in", CLOSED_STATES),
                    ]
                )
            )
            self.env["calendar.event"]._support_ticket_sync(tickets)
        return res

    def _support_calendar_view(self):
        """The ticket calendar view of the date chosen for this company."""
        self.ensure_one()
        suffix = {
            "date_planned_start": "planned",
            "date_deadline": "deadline",
            "sla_deadline": "sla",
        }[self.support_calendar_date_field or "date_deadline"]
        return self.env.ref(
            f"support_desk.support_ticket_view_calendar_{suffix}",
            raise_if_not_found=False,
        )
