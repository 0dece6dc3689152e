from odoo import api, fields, models
from odoo.tools import plaintext2html

from ..ticket.support_stage import CLOSED_STATES


class SupportTicket(models.Model):
    """What the shipped time-based rules (data/base_automation_data.xml) rely on.

    The rules are Odoo's ``base.automation``: they pick the tickets and the
    moment (N working days of the team's calendar, see ``_support_working_calendar``);
    the methods below do the work, so a rule is switched on without code.
    """

    _inherit = "support.ticket"

    waiting_since = fields.Datetime(
        string="Waiting on the Customer Since",
        compute="_compute_waiting_since",
        store=True,
        index="btree_not_null",
        groups="base.group_user",
        help="When the SLA was paused until the customer replies.",
    )
    customer_reminded_date = fields.Datetime(
        string="Customer Reminded On",
        compute="_compute_waiting_since",
        store=True,
        readonly=False,
        index="btree_not_null",
        groups="base.group_user",
        help="When the customer was last reminded that the ticket waits on them.",
    )
    reopen_count = fields.Integer(
        string="Reopened",
        readonly=True,
        copy=False,
        groups="base.group_user",
        help="How many times the ticket went from closed back to open.",
    )

    @api.depends("sla_paused_until_reply")
    def _compute_waiting_since(self):
        # A new pause keeps the first date; an answer (pause lifted) clears both.
        now = fields.Datetime.now()
        for ticket in self:
            if not ticket.sla_paused_until_reply:
                ticket.waiting_since = False
                ticket.customer_reminded_date = False
            elif not ticket.waiting_since:
                ticket.waiting_since = now

    # ------------------------------------------------------------
    # CRUD overrides
    # ------------------------------------------------------------

    def write(self, vals):
        old_states = {t: t.state for t in self} if "stage_id" in vals else {}
        res = super().write(vals)
        if old_states:
            self._support_count_reopens(old_states)
        return res

    def _support_count_reopens(self, old_states):
        reopened = self.filtered(
            lambda t: (
                old_states.get(t) in CLOSED_STATES and t.state not in CLOSED_STATES
            )
        )
        # reopen_count is protected: counted in sudo once the caller's own write
        # of the stage has passed its access checks (super().write above)
        for ticket in reopened.sudo():
            ticket.reopen_count += 1

    # ------------------------------------------------------------
    # Time-based rules
    # ------------------------------------------------------------

    def _support_working_calendar(self):
        """The calendar whose working days the rules count: the team's SLA
        policy's, else the company's."""
        self.ensure_one()
        return (
            self.team_id.sla_policy_id.calendar_id
            or self.company_id.resource_calendar_id
        )

    def _support_customer_lang(self):
        self.ensure_one()
        return self.partner_contact_id.lang or self.partner_id.lang or self.env.lang

    def _support_auto_remind_customer(self):
        """Remind the customer that the ticket waits on their answer."""
        now = fields.Datetime.now()
        for ticket in self.filtered(
            lambda t: t.sla_paused_until_reply and t.state not in CLOSED_STATES
        ):
            lang_env = ticket.with_context(lang=ticket._support_customer_lang()).env
            ticket.message_post(
                body=plaintext2html(
                    lang_env._(
                        "Hello,\nticket %(number)s is waiting for your answer to our "
                        "last message. Please reply to this message so that we can go "
                        "on with your request.\n\nKind regards",
                        number=ticket.number,
                    )
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            # protected stamp; the rule runs as the automation's (superuser) env
            ticket.sudo().customer_reminded_date = now

    def _support_auto_close_no_answer(self):
        """Close the tickets still waiting after the reminder, with the canned
        closing reply in the customer's language."""
        tickets = self.filtered(
            lambda t: t.sla_paused_until_reply and t.state not in CLOSED_STATES
        )
        stage = tickets and self.env["support.stage"].search(
            [("state", "=", "done")], order="sequence, id", limit=1
        )
        if not stage:
            return
        canned = self.env.ref(
            "support_desk.mail_canned_response_closing_no_answer",
            raise_if_not_found=False,
        )
        for ticket in tickets:
            if canned:
                lang = ticket._support_customer_lang()
                ticket.message_post(
                    body=plaintext2html(canned.with_context(lang=lang).substitution),
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                )
            ticket.stage_id = stage

    def _support_auto_warn_reopened(self):
        """Ask the team leader to look at a ticket reopened again and again."""
        for ticket in self.filtered(lambda t: t.team_id.user_id):
            ticket.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=ticket.team_id.user_id.id,
                summary=self.env._("Reopened %s times", ticket.reopen_count),
                note=self.env._(
                    "The customer reopened this ticket %s times: check why it does "
                    "not stay solved.",
                    ticket.reopen_count,
                ),
            )
