from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestTicketUi(HttpCase):
    def test_create_and_take_in_charge_tour(self):
        agent = new_test_user(
            self.env,
            login="tour_agent",
            groups="support_desk.group_support_agent",
            name="Tour Agent",
        )
        self.env["res.partner"].create({"name": "Tour Customer", "is_company": True})
        self.start_tour("/odoo", "support_desk_ticket_tour", login=agent.login)
        ticket = self.env["support.ticket"].search([("name", "=", "Printer on fire")])
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.partner_id.name, "Tour Customer")
        self.assertEqual(ticket.opened_by_id, agent)
        self.assertEqual(ticket.in_charge_user_id, agent)
        self.assertEqual(
            ticket.stage_id, self.env.ref("support_desk.support_stage_in_charge")
        )
