from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestTicketConcurrency(TransactionCase):
    """Two transactions at once, as two agents or two mail workers would run."""

    def _env(self, cr, uid=SUPERUSER_ID):
        return api.Environment(cr, uid, {})

    def test_numbers_unique_across_transactions(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            try:
                first = self._env(cr1)["support.ticket"].create(
                    {"name": "From cursor 1"}
                )
                second = self._env(cr2)["support.ticket"].create(
                    {"name": "From cursor 2"}
                )
                first.flush_recordset()
                second.flush_recordset()
                self.assertTrue(first.number.startswith("T"))
                self.assertNotEqual(first.number, second.number)
            finally:
                cr1.rollback()
                cr2.rollback()

    def test_second_agent_cannot_take_same_ticket(self):
        admin = self.env.ref("base.user_admin")
        with self.registry.cursor() as cr:
            ticket_id = self._env(cr)["support.ticket"].create({"name": "Race"}).id
        self.addCleanup(self._delete_ticket, ticket_id)

        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            try:
                ticket_1 = self._env(cr1, admin.id)["support.ticket"].browse(ticket_id)
                ticket_2 = self._env(cr2)["support.ticket"].browse(ticket_id)
                ticket_1.action_take_in_charge()
                # cr1 holds the row: the second agent gets a clear message, no wait.
                with self.assertRaisesRegex(UserError, "Another user is updating"):
                    ticket_2.action_take_in_charge()
                cr1.commit()
                # Once the first one is saved, the second agent's next request
                # (a new transaction) sees who has it.
                cr2.rollback()
                with self.assertRaisesRegex(UserError, "already in charge of"):
                    ticket_2.action_take_in_charge()
            finally:
                cr1.rollback()
                cr2.rollback()
        with self.registry.cursor() as cr:
            ticket = self._env(cr)["support.ticket"].browse(ticket_id)
            self.assertEqual(ticket.in_charge_user_id, admin)

    def _delete_ticket(self, ticket_id):
        with self.registry.cursor() as cr:
            self._env(cr)["support.ticket"].browse(ticket_id).unlink()
