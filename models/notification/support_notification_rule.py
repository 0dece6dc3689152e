from odoo import api, fields, models, tools

from ..ticket.support_ticket import CHANNELS

RULE_ROLES = [
    "notify_opener",
    "notify_assignee",
    "notify_in_charge",
    "notify_customer",
    "notify_followers",
    "notify_team",
    "notify_extra",
]


class SupportNotificationRule(models.Model):
    """Who gets mail on which ticket event, per origin of the ticket."""

    _name = "support.notification.rule"
    _inherit = ["support.cache.mixin"]  # the rules are cached (_search_rule_ids)
    _description = "Support Notification Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", index=True, help="Leave empty for all companies."
    )
    event = fields.Selection(
        [("create", "Creation"), ("reply", "Reply")],
        required=True,
        default="create",
        index=True,
    )
    channel = fields.Selection(
        CHANNELS, string="Origin", index=True, help="Leave empty for any origin."
    )
    team_id = fields.Many2one(
        "support.team", index=True, help="Leave empty for every team."
    )
    notify_opener = fields.Boolean(string="Opener")
    notify_assignee = fields.Boolean(string="Assignee")
    notify_in_charge = fields.Boolean(string="In Charge")
    notify_customer = fields.Boolean(string="Customer Contact")
    notify_followers = fields.Boolean(string="Followers")
    notify_team = fields.Boolean(
        string="Team Ticket Administrators",
        help="The ticket administrators of the ticket's team (managers if none).",
    )
    notify_extra = fields.Boolean(
        string="Extra Notification Emails",
        help="The ticket's own extra notification emails, mailed directly "
        "(no contact is created for them).",
    )
    extra_emails = fields.Char(help="Other addresses, separated by commas.")
    unassigned_only = fields.Boolean(
        string="Only When Unassigned",
        help="Apply only to tickets that nobody is assigned to.",
    )

    @api.model
    def _search_rules(self, event):
        """Active rules for ``event``, cached: every ticket created or replied
        to reads them."""
        return self.sudo().browse(self._search_rule_ids(event))

    @api.model
    @tools.ormcache("event")
    def _search_rule_ids(self, event):
        rules = self.sudo().with_context(active_test=True)
        return tuple(rules.search([("event", "=", event)]).ids)

    def _filter_ticket(self, ticket):
        """The rules among these that apply to ``ticket``."""
        return self.filtered(
            lambda r: (
                (not r.channel or r.channel == ticket.channel)
                and (not r.company_id or r.company_id == ticket.company_id)
                and (not r.team_id or r.team_id == ticket.team_id)
                and (not r.unassigned_only or not ticket.user_id)
            )
        )

    def _get_partners(self, ticket):
        """Partners to notify about ``ticket`` according to these rules."""
        partners = self.env["res.partner"]
        for rule in self:
            if rule.notify_opener:
                partners |= ticket.opened_by_id.partner_id
            if rule.notify_assignee:
                partners |= ticket.user_id.partner_id
            if rule.notify_in_charge:
                partners |= ticket.in_charge_user_id.partner_id
            if rule.notify_customer:
                partners |= ticket.partner_contact_id or ticket.partner_id
            if rule.notify_followers:
                partners |= ticket.message_partner_ids
            if rule.notify_team:
                partners |= ticket._get_team_ticket_admins().partner_id
            if rule.extra_emails:
                partners |= ticket._support_partners_from_emails(rule.extra_emails)
        return partners

    def _get_extra_addresses(self, ticket, exclude=()):
        """The ticket's extra notification emails these rules mail (no
        partner: see ``support.ticket._support_mail_extra``), less the
        normalized addresses of ``exclude``."""
        if not self.filtered("notify_extra"):
            return []
        return ticket._support_extra_addresses(exclude)
