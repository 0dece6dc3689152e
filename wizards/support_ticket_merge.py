from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..models.ticket.support_stage import CLOSED_STATES


class SupportTicketMerge(models.TransientModel):
    """Merge duplicates (the same request by mail, phone and portal) into one ticket."""

    _name = "support.ticket.merge"
    _description = "Merge Tickets"

    ticket_ids = fields.Many2many(
        "support.ticket",
        string="Tickets",
        required=True,
        default=lambda self: self._default_ticket_ids(),
    )
    target_ticket_id = fields.Many2one(
        "support.ticket",
        string="Merge Into",
        domain="[('id', 'in', ticket_ids)]",
        compute="_compute_target_ticket_id",
        store=True,
        readonly=False,
        help="The ticket that stays open and receives the conversation, attachments, "
        "followers, tracked time and SLA history of the others.",
    )

    @api.model
    def _default_ticket_ids(self):
        if self.env.context.get("active_model") != "support.ticket":
            return False
        return [Command.set(self.env.context.get("active_ids") or [])]

    @api.depends("ticket_ids")
    def _compute_target_ticket_id(self):
        # The oldest ticket stays: its number is the one the customer saw first.
        for wizard in self:
            tickets = wizard.ticket_ids._origin
            if wizard.target_ticket_id._origin not in tickets:
                wizard.target_ticket_id = tickets.sorted("id")[:1]

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_merge(self):
        self.ensure_one()
        # Every ticket asked for: reading the field would silently drop those
        # the user may not read, and merge the rest.
        asked = self.sudo().ticket_ids.with_env(self.env)
        target = self.target_ticket_id
        duplicates = asked - target
        self._check_merge(target, duplicates, asked)
        # Past the checks: the user may change every ticket involved. The moves
        # touch messages, lines and links the user may not write one by one.
        self._merge_into(target.sudo(), duplicates.sudo())
        return {
            "type": "ir.actions.act_window",
            "res_model": "support.ticket",
            "res_id": target.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def _check_merge(self, target, duplicates, asked):
        """Refuse before anything changes: write access on every ticket first."""
        tickets = target | duplicates
        # Ids come from the request: the user must be allowed to change them all.
        tickets.check_access("write")
        if not target or not duplicates or target not in asked:
            raise UserError(
                self.env._(
                    "Choose at least two tickets and the one to merge them into."
                )
            )
        if len(tickets.partner_id) != 1 or len(tickets.company_id) > 1:
            raise UserError(
                self.env._(
                    "Only tickets of the same account (and company) can be merged."
                )
            )
        if target.state in CLOSED_STATES:
            raise UserError(
                self.env._("Merge into an open ticket: %s is closed.", target.number)
            )

    def _merge_into(self, target, duplicates):
        """Move what the duplicates hold to `target`, then close them (sudo)."""
        self._merge_close_duplicates(target, duplicates)
        self._merge_move_thread(target, duplicates)
        self._merge_move_records(target, duplicates)
        self._merge_move_links(target, duplicates)
        target.message_post(
            body=self.env._(
                "Merged into this ticket: %s.", ", ".join(duplicates.mapped("number"))
            ),
            subtype_xmlid="mail.mt_note",
            author_id=self.env.user.partner_id.id,
        )

    def _merge_close_duplicates(self, target, duplicates):
        """Close quietly (no stage tracking mailed to the customer): the close
        stamps the running SLA lines, so nothing escalates on them any more."""
        for company, tickets in duplicates.grouped("company_id").items():
            stage = self._merge_closing_stage(company)
            if not stage:
                raise UserError(
                    self.env._("No cancelled stage to close the tickets in.")
                )
            tickets.with_context(mail_notrack=True).write(
                {
                    "stage_id": stage.id,
                    "closing_note": Markup("<p>%s</p>")
                    % self.env._("Merged into %s.", target.number),
                }
            )

    def _merge_closing_stage(self, company):
        return (
            self.env["support.stage"]
            .sudo()
            .search(
                [
                    ("state", "=", "cancelled"),
                    ("company_id", "in", [False, company.id]),
                ],
                order="sequence, id",
                limit=1,
            )
        )

    def _merge_move_thread(self, target, duplicates):
        """Messages, attachments, activities and followers go to `target`."""
        where = [("model", "=", "support.ticket"), ("res_id", "in", duplicates.ids)]
        self.env["mail.message"].sudo().search(where).write(
            {"res_id": target.id, "record_name": target.display_name}
        )
        self.env["mail.activity"].sudo().search(
            [("res_model", "=", "support.ticket"), ("res_id", "in", duplicates.ids)]
        ).write({"res_id": target.id})
        self.env["ir.attachment"].sudo().search(
            [("res_model", "=", "support.ticket"), ("res_id", "in", duplicates.ids)]
        ).write({"res_id": target.id})
        following = target.message_partner_ids
        for follower in duplicates.message_follower_ids:
            if follower.partner_id in following:
                continue
            following |= follower.partner_id
            # Followers of a duplicate could read its conversation, now here.
            target.message_subscribe(
                partner_ids=follower.partner_id.ids,
                subtype_ids=follower.subtype_ids.ids,
            )
        for duplicate in duplicates:
            duplicate.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "Merged into %(ticket)s: its conversation continues there.",
                    ticket=target._get_html_link(title=target.number),
                ),
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )

    def _merge_move_records(self, target, duplicates):
        """Tracked time and SLA history (stamped by the close) go to `target`."""
        duplicates.timesheet_ids.write({"support_ticket_id": target.id})
        for duplicate in duplicates:
            lines = duplicate.sla_line_ids | duplicate.sla_merged_line_ids
            # Marked before the move, so the target never counts them as its own.
            lines.filtered(lambda line: not line.is_merged).write(
                {"is_merged": True, "merged_from_ticket_id": duplicate.id}
            )
            lines.write({"ticket_id": target.id})

    def _merge_move_links(self, target, duplicates):
        """Related tickets and shares move; the duplicates stay linked to `target`."""
        related = duplicates.related_ticket_ids - target - duplicates
        duplicates.write({"related_ticket_ids": [Command.set(target.ids)]})
        target.write(
            {
                "related_ticket_ids": [
                    Command.link(t.id) for t in related | duplicates
                ],
                "shared_user_ids": [
                    Command.link(u.id) for u in duplicates.shared_user_ids
                ],
                "shared_team_ids": [
                    Command.link(t.id) for t in duplicates.shared_team_ids
                ],
            }
        )
