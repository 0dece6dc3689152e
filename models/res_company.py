from odoo import fields, models

from .support_stage import CLOSED_STATES

CALENDAR_DATE_FIELDS = [
    ("date_planned_start", "Planned Start"),
    ("date_deadline", "Deadline"),
    ("sla_deadline", "SLA Deadline"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    support_pbx_token = fields.Char(
        string="PBX Token",
        groups="base.group_system",
        copy=False,
        help="Secret the phone system sends with every call event.",
    )
    support_pbx_originate_url = fields.Char(
        string="Click-to-Call URL",
        help="Called to start a call from an extension, e.g. "
        "https://pbx.example.com/originate?ext={extension}&to={number}",
    )
    support_pbx_originate_method = fields.Selection(
        [("GET", "GET"), ("POST", "POST")],
        string="Click-to-Call Method",
        default="POST",
    )
    support_pbx_auth_header = fields.Char(
        string="Click-to-Call Header",
        groups="base.group_system",
        help="One header sent with the request, e.g. 'Authorization: Bearer secret'.",
    )
    support_pbx_timeout = fields.Integer(string="Click-to-Call Timeout (s)", default=5)
    support_pbx_country_id = fields.Many2one(
        "res.country",
        string="Phone Numbers Country",
        help="Country of numbers written without their international prefix; the "
        "company's country when empty.",
    )

    def _support_public_mail_domain_set(self):
        self.ensure_one()
        text = (self.support_public_mail_domains or "").lower()
        return {d.lstrip("@") for d in self.env["support.ticket"]._split_emails(text)}

    def _support_pbx_country(self):
        self.ensure_one()
        return self.support_pbx_country_id or self.country_id

    support_notify_on_open = fields.Boolean(
        string="Acknowledge New Tickets",
        default=True,
        help="Mail the sender of a ticket from mail, portal or web form a "
        "confirmation with a link to follow it.",
    )
    support_ack_blacklist = fields.Text(
        string="No Acknowledgement To",
        help="Addresses or domains (example.com) that never get the acknowledgement.",
    )
    support_notify_blacklist = fields.Text(
        string="No Ticket Mail To",
        help="Addresses or domains (example.com) that never get any ticket mail.",
    )
    support_never_notify_sender = fields.Boolean(
        string="Never Notify the Sender",
        default=True,
        help="The author of a customer mail or reply gets no notification of it.",
    )
    support_notify_only_new = fields.Boolean(
        string="Notify Only New Addresses",
        default=True,
        help="Addresses that were already To or Cc of the customer's mail are not "
        "notified of it again.",
    )
    support_mail_rate_limit = fields.Integer(
        string="Incoming Mails per Sender per Hour",
        default=20,
        help="Mails from one sender beyond this number within an hour open or update "
        "no ticket: they are dropped and logged (out-of-office storms). "
        "0 or less: no limit.",
    )
    support_public_mail_domains = fields.Text(
        string="Public Mail Domains",
        default="gmail.com, googlemail.com, outlook.com, hotmail.com, live.com, "
        "msn.com, yahoo.com, yahoo.it, icloud.com, me.com, aol.com, gmx.com, gmx.de, "
        "libero.it, virgilio.it, tiscali.it, alice.it, tin.it, fastwebnet.it, "
        "proton.me, protonmail.com, pec.it",
        help="Domains of mail providers: their senders are never matched to a "
        "company by domain, and no company is created for them.",
    )
    support_mail_footer = fields.Html(
        string="Ticket Mail Legal Footer",
        help="Shown at the bottom of ticket mails, e.g. the privacy notice.",
    )

    support_calendar_date_field = fields.Selection(
        CALENDAR_DATE_FIELDS,
        string="Date Shown in the Calendar",
        default="date_deadline",
        required=True,
        help="The ticket date the calendar view shows, and the date of the event "
        "each assigned ticket gets in its assignee's calendar.",
    )

    support_project_id = fields.Many2one(
        "project.project",
        string="Default Support Project",
        check_company=True,
        help="Time tracked on a ticket whose contract, ticket and team name no "
        "project goes to this one (made on first need).",
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

    def _support_default_project(self):
        """The project of time tracked on tickets that name none: the company's
        setting, made on first need so that tracking never requires one."""
        self.ensure_one()
        if self.support_project_id:
            return self.support_project_id
        company = self.sudo()
        project = (
            self.env["project.project"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "name": self.env._("Support"),
                    "company_id": company.id,
                    "allow_timesheets": True,
                }
            )
        )
        company.support_project_id = project
        return project
