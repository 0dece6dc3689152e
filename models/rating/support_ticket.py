from odoo import models
from odoo.tools import plaintext2html

from odoo.addons.rating.models.rating_data import RATING_LIMIT_OK


class SupportTicket(models.Model):
    """Customer satisfaction: Odoo's ``rating.mixin`` (inherited by the ticket).

    Closing a ticket of a team that asks for ratings mails the customer the
    one-click ``/rate/<token>/<score>`` links of the rating module; the portal
    page shows the same links. A low rating asks the team leader to look.
    """

    _inherit = "support.ticket"

    def _rating_get_partner(self):
        # The person who asked, else the account.
        return self.partner_contact_id or self.partner_id

    def _rating_get_parent_field_name(self):
        return "team_id"

    # ------------------------------------------------------------
    # CRUD overrides
    # ------------------------------------------------------------

    def write(self, vals):
        opened = (
            self.filtered(lambda t: t.state != "done") if "stage_id" in vals else None
        )
        res = super().write(vals)
        if opened:
            opened.filtered(lambda t: t.state == "done")._support_rating_request()
        return res

    # ------------------------------------------------------------
    # Rating
    # ------------------------------------------------------------

    def _support_rating_asked(self):
        """The closed tickets whose customer is asked to rate."""
        return self.filtered(
            lambda t: (
                t.state == "done"
                and t.team_id.use_rating
                and t._rating_get_partner().email
                and t.support_notify
                and not t._support_is_blacklisted(
                    t._rating_get_partner().email, "notify"
                )
            )
        )

    def _support_rating_token(self):
        """The customer's pending rating token; none once rated."""
        self.ensure_one()
        partner = self._rating_get_partner()
        pending = self.sudo().rating_ids.filtered(
            lambda r: r.partner_id == partner and not r.consumed
        )
        return pending[:1].access_token

    def _support_rating_request(self):
        """Mail the customer the closing notice with the rating links."""
        tickets = self.sudo()._support_rating_asked()
        QWeb = self.env["ir.qweb"]
        mail_vals = []
        for ticket in tickets:
            partner = ticket._rating_get_partner()
            token = ticket._rating_get_access_token(partner)
            lang = partner.lang or self.env.lang
            mail_vals.append(
                {
                    **ticket._support_sender_mail_vals(),
                    "subject": f"[{ticket.number}] {ticket.name}",
                    "email_to": partner.email_formatted,
                    "body_html": QWeb.with_context(lang=lang)._render(
                        "support_desk.ticket_rating_request_body",
                        {"ticket": ticket, "token": token, "partner": partner},
                    ),
                }
            )
            ticket.message_post(
                body=self.env._(
                    "Satisfaction survey sent to %s.", partner.display_name
                ),
                subtype_xmlid="mail.mt_note",
            )
        self.env["mail.mail"].sudo().create(mail_vals)

    def rating_apply(self, rate, token=None, rating=None, feedback=None,
                     subtype_xmlid=None, notify_delay_send=False):  # fmt: skip
        rating = super().rating_apply(
            rate,
            token=token,
            rating=rating,
            feedback=feedback,
            subtype_xmlid=subtype_xmlid,
            notify_delay_send=notify_delay_send,
        )
        if rating.rating < RATING_LIMIT_OK:
            self._support_rating_warn_leader(rating)
        return rating

    def _support_rating_warn_leader(self, rating):
        """A dissatisfied customer: a to-do for the team leader."""
        for ticket in self.filtered(lambda t: t.team_id.user_id):
            ticket.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=ticket.team_id.user_id.id,
                summary=self.env._("Dissatisfied customer"),
                note=plaintext2html(rating.feedback or self.env._("No comment given.")),
            )
