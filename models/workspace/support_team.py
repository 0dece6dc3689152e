from odoo import api, fields, models
from odoo.exceptions import UserError

from ..ticket.support_stage import CLOSED_STATES


class SupportTeam(models.Model):
    _inherit = "support.team"

    # Team overview: counts of the tickets the user can read, never stored.
    overview_open_count = fields.Integer(
        string="Open", compute="_compute_overview_counts"
    )

    overview_unassigned_count = fields.Integer(
        string="Unassigned", compute="_compute_overview_counts"
    )

    overview_expired_count = fields.Integer(
        string="Expired", compute="_compute_overview_counts"
    )

    overview_sla_failing_count = fields.Integer(
        string="SLA Failing", compute="_compute_overview_counts"
    )

    overview_mine_count = fields.Integer(
        string="Mine", compute="_compute_overview_counts"
    )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_overview_counts(self):
        # One grouped count per measure for all the teams at once, with the
        # user's record rules: each user counts only the tickets they can read.
        Ticket = self.env["support.ticket"]
        team_ids = self.ids
        for kind, domain in self._get_overview_domains().items():
            counts = dict(
                Ticket._read_group(
                    [("team_id", "in", team_ids), *domain], ["team_id"], ["__count"]
                )
            )
            for team in self:
                team[f"overview_{kind}_count"] = counts.get(team, 0)

    @api.model
    def _get_overview_domains(self):
        """Ticket domains of the overview's measures, by kind."""
        uid = self.env.uid
        still_open = [("state", "not in", CLOSED_STATES)]
        now = fields.Datetime.to_string(fields.Datetime.now())
        return {
            "open": still_open,
            "unassigned": [*still_open, ("user_id", "=", False)],
            "expired": [("is_expired", "=", True)],
            # A failed target, or one still running past its deadline that the
            # escalation cron has not marked failed yet.
            "sla_failing": [
                *still_open,
                "|",
                ("sla_status", "=", "failed"),
                "&",
                ("sla_status", "=", "ongoing"),
                ("sla_deadline", "<", now),
            ],
            "mine": [
                *still_open,
                "|",
                ("user_id", "=", uid),
                ("in_charge_user_id", "=", uid),
            ],
        }

    @api.readonly
    def action_view_overview_tickets(self):
        """Tickets behind one count of the overview, the kind in the context."""
        self.ensure_one()
        kind = self.env.context.get("support_overview_kind", "open")
        domains = self._get_overview_domains()
        if kind not in domains:
            raise UserError(self.env._("Unknown ticket count: %s", kind))
        titles = {
            "open": self.env._("Open Tickets"),
            "unassigned": self.env._("Unassigned Tickets"),
            "expired": self.env._("Expired Tickets"),
            "sla_failing": self.env._("Tickets Failing their SLA"),
            "mine": self.env._("My Tickets"),
        }
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_desk.support_ticket_action"
        )
        action["name"] = self.env._(
            "%(team)s: %(title)s", team=self.display_name, title=titles[kind]
        )
        action["domain"] = [("team_id", "=", self.id), *domains[kind]]
        action["context"] = {"default_team_id": self.id}
        return action
