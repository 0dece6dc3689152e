from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

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
    support_mail_footer = fields.Html(
        string="Ticket Mail Legal Footer",
        help="Shown at the bottom of ticket mails, e.g. the privacy notice.",
    )
