import re

from odoo.tests import HttpCase, tagged

from .common import SupportDeskCommon

CSRF_RE = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


@tagged("post_install", "-at_install")
class TestTicketRating(SupportDeskCommon, HttpCase):
    """Closing asks the customer to rate; the rating reaches ticket, team and leader."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_a.write({"use_rating": True, "user_id": cls.manager.id})
        cls.contact = cls.portal_user.partner_id
        cls.contact.write(
            {"parent_id": cls.customer.id, "email": "portal@acme.example"}
        )
        cls.ticket = cls._create_ticket(
            name="Rate me", team_id=cls.team_a.id, partner_contact_id=cls.contact.id
        )

    def _close(self, ticket, stage=None, user=None):
        ticket.with_user(user or self.agent).stage_id = stage or self.stage_done
        return ticket.sudo().rating_ids.filtered(lambda r: not r.consumed)

    def _rate(self, token, score, feedback=""):
        """The customer's two clicks, logged out: the face, then Send."""
        self.authenticate(None, None)
        page = self.url_open(f"/rate/{token}/{score}")
        self.assertEqual(page.status_code, 200)
        csrf = CSRF_RE.search(page.text).group(1)
        return self.url_open(
            f"/rate/{token}/submit_feedback",
            data={"rate": score, "feedback": feedback, "csrf_token": csrf},
        )

    def _leader_todos(self, ticket):
        return ticket.activity_ids.filtered(lambda a: a.user_id == self.manager)

    def test_closing_mails_the_links(self):
        rating = self._close(self.ticket)
        self.assertEqual(len(rating), 1)
        self.assertEqual(rating.partner_id, self.contact)
        self.assertEqual(rating.parent_res_id, self.team_a.id)
        mail = self.env["mail.mail"].search(
            [("model", "=", "support.ticket"), ("res_id", "=", self.ticket.id),
             ("body_html", "ilike", f"/rate/{rating.access_token}/5")]
        )  # fmt: skip
        self.assertEqual(len(mail), 1)
        self.assertIn("portal@acme.example", mail.email_to)
        self.assertIn(
            "Satisfaction survey sent", "".join(self.ticket.message_ids.mapped("body"))
        )

    def test_no_request_when_off_cancelled_or_not_notified(self):
        other = self._create_ticket(
            team_id=self.team_b.id, partner_contact_id=self.contact.id
        )
        cancelled = self._create_ticket(
            team_id=self.team_a.id, partner_contact_id=self.contact.id
        )
        silent = self._create_ticket(
            team_id=self.team_a.id,
            partner_contact_id=self.contact.id,
            support_notify=False,
        )
        self.assertFalse(self._close(other, user=self.agent_b))
        self.assertFalse(self._close(cancelled, self.stage_cancelled))
        self.assertFalse(self._close(silent))

    def test_rate_without_login_and_low_rating_warns_the_leader(self):
        token = self._close(self.ticket).access_token
        response = self._rate(token, 1, "Too slow")
        self.assertEqual(response.status_code, 200)
        rating = self.ticket.sudo().rating_ids
        self.assertEqual(
            (rating.rating, rating.feedback, rating.consumed), (1, "Too slow", True)
        )
        self.assertEqual(self.ticket.rating_last_value, 1)
        self.assertIn("Too slow", self.ticket.message_ids[0].body)
        self.assertEqual(
            self._leader_todos(self.ticket).summary, "Dissatisfied customer"
        )
        # The team's share of satisfied customers over 30 days.
        self.assertEqual(self.team_a.rating_percentage_satisfaction, 0)
        second = self._create_ticket(
            team_id=self.team_a.id, partner_contact_id=self.contact.id
        )
        self._rate(self._close(second).access_token, 5)
        self.team_a.invalidate_recordset()
        self.assertEqual(self.team_a.rating_percentage_satisfaction, 50)
        self.assertFalse(self._leader_todos(second))

    def test_hostile_tokens(self):
        self._close(self.ticket)
        self.authenticate(None, None)
        self.assertEqual(self.url_open("/rate/not-a-token/5").status_code, 404)
        self.assertFalse(self.ticket.sudo().rating_ids.filtered("consumed"))

    def test_portal_page_links_for_the_customer_only(self):
        token = self._close(self.ticket).access_token
        link = f"/rate/{token}/5"
        self.authenticate(self.portal_user.login, self.portal_user.login)
        self.assertIn(link, self.url_open(f"/my/tickets/{self.ticket.id}").text)
        self.authenticate(self.manager.login, self.manager.login)
        self.assertNotIn(link, self.url_open(f"/my/tickets/{self.ticket.id}").text)
        # Once rated, a thank-you instead of the links.
        self._rate(token, 5)
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self.url_open(f"/my/tickets/{self.ticket.id}").text
        self.assertNotIn(link, page)
        self.assertIn("o_support_portal_rated", page)

    def test_rating_tour(self):
        self._close(self.ticket)
        self.start_tour(
            f"/my/tickets/{self.ticket.id}",
            "support_desk_rating_tour",
            login=self.portal_user.login,
        )
        rating = self.ticket.sudo().rating_ids
        self.assertEqual((rating.rating, rating.feedback), (5, "Quick and kind"))
        self.assertEqual(self.team_a.rating_percentage_satisfaction, 100)
