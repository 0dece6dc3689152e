import ast

from odoo import fields, models


class SupportTeam(models.Model):
    _inherit = "support.team"

    # Incoming mail (the alias opens tickets in this team)
    mail_closed_policy = fields.Selection(
        [("reopen", "Reopen the Ticket"), ("new", "Open a New Linked Ticket")],
        string="Mail About a Closed Ticket",
        required=True,
        default="reopen",
    )

    mail_default_partner_id = fields.Many2one(
        "res.partner",
        string="Default Customer",
        check_company=True,
        domain="[('is_company', '=', True)]",
        help="Account of the tickets opened by mail from unknown senders.",
    )

    mail_create_company = fields.Boolean(
        string="Create Companies from Sender Domains",
        help="An unknown sender from a company domain (not a public mail provider) "
        "gets a new company named after the domain, and a contact in it.",
    )

    mail_link_project = fields.Boolean(
        string="Link the Customer's Project",
        help="Tickets opened by mail get the customer's project (or the one named "
        "after its mail domain). The contract always follows the customer.",
    )

    mail_create_contract = fields.Boolean(
        string="Create Contracts for New Customers",
        help="A customer company writing for the first time with no contract gets "
        "a draft contract named after it, with the team's default SLA policy, "
        "for the sales team to complete and activate. Never for public mail "
        "providers, our own addresses or employees.",
    )

    mail_create_project = fields.Boolean(
        string="Create Projects for New Customers",
        help="Tickets opened by mail get the customer's project; a customer "
        "company with none gets a new project named after it, where the time "
        "tracked on its tickets goes.",
    )

    mail_default_user_id = fields.Many2one(
        "res.users",
        string="Default Follower",
        domain="[('share', '=', False)]",
        help="User who follows (and so can read) the tickets opened by mail.",
    )

    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get("support.ticket").id
        if self.id:
            values["alias_defaults"] = defaults = ast.literal_eval(
                self.alias_defaults or "{}"
            )
            defaults["team_id"] = self.id
        return values
