import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)


class SupportTicket(models.Model):
    _inherit = "support.ticket"

    in_charge_user_id = fields.Many2one(
        "res.users",
        string="In Charge",
        tracking=True,
        copy=False,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        groups="base.group_user",
    )
    can_assign = fields.Boolean(
        compute="_compute_assign_scope", groups="base.group_user"
    )
    allowed_assign_user_ids = fields.Many2many(
        "res.users",
        compute="_compute_assign_scope",
        groups="base.group_user",
    )
    allowed_assign_team_ids = fields.Many2many(
        "support.team",
        compute="_compute_assign_scope",
        groups="base.group_user",
    )

    @api.depends_context("uid")
    def _compute_assign_scope(self):
        teams, users = self.env["res.users"]._support_assign_scope()
        for ticket in self:
            ticket.can_assign = bool(teams or users)
            ticket.allowed_assign_team_ids = teams
            ticket.allowed_assign_user_ids = users

    def action_take_in_charge(self):
        """Set the current user in charge, even when someone else is assigned."""
        if not self.env.user.has_group("support_desk.group_support_agent"):
            raise AccessError(
                self.env._("Only support agents can take tickets in charge.")
            )
        # In charge is a protected field: written in sudo once the user may
        # change these tickets.
        self.check_access("write")
        self._lock_for_update()
        taken = self.filtered(
            lambda t: t.in_charge_user_id and t.in_charge_user_id != self.env.user
        )
        if taken:
            raise UserError(
                self.env._(
                    "%(ticket)s is already in charge of %(user)s.",
                    ticket=taken[0].display_name,
                    user=taken[0].in_charge_user_id.name,
                )
            )
        vals = {"in_charge_user_id": self.env.uid}
        new_tickets = self.filtered(lambda t: t.state == "new")
        (self - new_tickets).sudo().write(vals)
        stage = self._get_take_charge_stage()
        if stage:
            vals["stage_id"] = stage.id
        new_tickets.sudo().write(vals)
        return True

    def action_release_charge(self):
        mine = self.filtered(lambda t: t.in_charge_user_id == self.env.user)
        mine.check_access("write")
        mine.sudo().write({"in_charge_user_id": False})
        return True

    def _lock_for_update(self):
        """Lock the rows so that two agents cannot take the same ticket at once."""
        if not self.ids:
            return
        # SKIP LOCKED leaves out the rows another transaction holds, without
        # waiting and without aborting ours.
        self.env.cr.execute(
            "SELECT id FROM support_ticket WHERE id IN %s FOR UPDATE SKIP LOCKED",
            [tuple(self.ids)],
        )
        if len(self.env.cr.fetchall()) != len(self.ids):
            raise UserError(
                self.env._(
                    "Another user is updating this ticket right now. "
                    "Reload it and try again."
                )
            )
        self.invalidate_recordset(["in_charge_user_id", "stage_id"])

    @api.model
    def _check_assign_vals(self, vals_list, creating=True):
        """Only ticket administrators assign, and only within their scope.

        On creation anybody may address a team (that is routing, as a mail alias
        does); the assignee is for administrators only.
        """
        if self.env.su:
            return
        teams = users = None
        for vals in vals_list:
            sets_user = bool(vals.get("user_id")) if creating else "user_id" in vals
            sets_team = not creating and "team_id" in vals
            if not (sets_user or sets_team):
                continue
            if teams is None:
                teams, users = self.env["res.users"]._support_assign_scope()
            if not (teams or users):
                raise AccessError(
                    self.env._("Only ticket administrators can assign tickets.")
                )
            if sets_user and vals["user_id"] and vals["user_id"] not in users.ids:
                raise AccessError(
                    self.env._(
                        "You cannot assign tickets to %s.",
                        self.env["res.users"].browse(vals["user_id"]).sudo().name,
                    )
                )
            if sets_team and vals["team_id"] and vals["team_id"] not in teams.ids:
                raise AccessError(
                    self.env._(
                        "You cannot assign tickets to the team %s.",
                        self.env["support.team"].browse(vals["team_id"]).sudo().name,
                    )
                )

    def _check_assign_write(self, vals):
        """Route ``vals`` by type, then check the changes of assignee or team
        they make (a routed type that moves a ticket is a change of team)."""
        if "user_id" in vals or "team_id" in vals:
            changing = self.filtered(
                lambda t: (
                    ("user_id" in vals and t.user_id.id != (vals["user_id"] or False))
                    or (
                        "team_id" in vals and t.team_id.id != (vals["team_id"] or False)
                    )
                )
            )
            if changing:
                changing._check_assign_vals([vals], creating=False)
                # Two administrators assigning at once: the second one is told.
                changing._lock_for_update()
        if "team_id" not in vals:
            self._apply_type_routing(vals)
            if "team_id" in vals:
                # A routed type moves the ticket: like changing the team, for
                # administrators only, unless the ticket has no team yet.
                moving = self.filtered(
                    lambda t: t.team_id and t.team_id.id != vals["team_id"]
                )
                if moving:
                    moving._check_assign_vals(
                        [{"team_id": vals["team_id"]}], creating=False
                    )
        else:
            self._apply_type_routing(vals)

    @api.model
    def _auto_assign_vals(self, vals):
        if vals.get("user_id") or not vals.get("team_id"):
            return
        team = self.env["support.team"].browse(vals["team_id"]).sudo()
        user = team._pick_assignee()
        if user:
            vals["user_id"] = user.id

    def _get_team_ticket_admins(self):
        """Ticket administrators whose scope covers the team, else the managers."""
        self.ensure_one()
        admins = (
            self._support_xmlid_record("support_desk.group_support_ticket_admin")
            .sudo()
            .users
        )
        admins = admins.filtered(lambda u: u.active and not u.share)
        scoped = admins.filtered(lambda u: self.team_id in u.support_assign_team_ids)
        if self.team_id and scoped:
            return scoped
        return admins.filtered(
            lambda u: u.has_group("support_desk.group_support_manager")
        )

    @api.model
    def _get_take_charge_stage(self):
        Stage = self.env["support.stage"]
        return Stage.search([("is_take_charge", "=", True)], limit=1) or Stage.search(
            [("state", "=", "in_progress")], limit=1
        )
