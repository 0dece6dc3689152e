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


@tagged("post_install", "-at_install")
class TestCreationQueueConcurrency(TransactionCase):
    """Two cron workers share the creation queue (FOR UPDATE SKIP LOCKED): each
    ticket's "ticket opened", notice and acknowledgement once, none twice, none
    lost. Workers are real transactions, committed as the cron commits them."""

    TICKETS = 6

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    @staticmethod
    def _no_wait(cr):
        # A worker that waited on the other one's rows would hang the test:
        # make it fail at once instead (reset at the end of the transaction).
        cr.execute("SET LOCAL lock_timeout = '3s'")

    def _setup_queue(self):
        """Committed tickets in the queue and a creation rule telling their
        assignee; removed after the test."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            admin = env.ref("base.user_admin")
            rule = env["support.notification.rule"].create(
                {"name": "Queue workers", "event": "create", "notify_assignee": True}
            )
            tickets = env["support.ticket"].create(
                [
                    {
                        "name": f"Queued {index}",
                        "channel": "email",
                        "email_from": f"queued{index}@customer.example",
                        "user_id": admin.id,
                    }
                    for index in range(self.TICKETS)
                ]
            )
            ids = tickets.ids
            self.assertTrue(
                all(t.creation_log_pending and t.creation_mail_pending for t in tickets)
            )
            rule_id, admin_partner_id = rule.id, admin.partner_id.id
        self.addCleanup(self._delete, ids, rule_id)
        return ids, admin_partner_id

    def _delete(self, ticket_ids, rule_id):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            # their messages, mails and notifications go with them
            env["support.ticket"].browse(ticket_ids).unlink()
            env["support.notification.rule"].browse(rule_id).unlink()

    def _run_worker(self, cr, limit):
        self._no_wait(cr)
        return (
            self._env(cr)["support.ticket"]
            ._cron_process_creation_queue(limit=limit)
            .ids
        )

    def test_two_workers_each_ticket_once(self):
        ids, admin_partner_id = self._setup_queue()
        with (
            self.registry.cursor() as cr0,
            self.registry.cursor() as cr1,
            self.registry.cursor() as cr2,
        ):
            try:
                # Tickets queued before this test (demo data) are held by
                # another transaction: the workers skip them, untouched.
                cr0.execute(
                    "SELECT id FROM support_ticket "
                    "WHERE (creation_log_pending OR creation_mail_pending) "
                    "AND id <> ALL(%s) FOR UPDATE",
                    [ids],
                )
                # Worker 1 takes the three oldest and holds them (not yet
                # committed) while worker 2 runs.
                first = self._run_worker(cr1, limit=3)
                self.assertEqual(first, ids[:3])
                second = self._run_worker(cr2, limit=10000)
                self.assertEqual(second, ids[3:], "the others, without waiting")
                cr2.commit()
                cr1.commit()
                # A third run finds nothing left of them.
                with self.registry.cursor() as cr3:
                    self.assertFalse(set(self._run_worker(cr3, 10000)) & set(ids))
                    cr3.rollback()
            finally:
                cr0.rollback()
                cr1.rollback()
                cr2.rollback()

        with self.registry.cursor() as cr:
            env = self._env(cr)
            opened = env.ref("support_desk.mt_ticket_new")
            for ticket in env["support.ticket"].browse(ids):
                messages = env["mail.message"].search(
                    [("model", "=", "support.ticket"), ("res_id", "=", ticket.id)]
                )
                self.assertEqual(
                    len(messages.filtered(lambda m: m.subtype_id == opened)),
                    1,
                    f"{ticket.number}: one 'ticket opened'",
                )
                # (the assignee's "you have been assigned" is another one)
                notices = messages.filtered(
                    lambda m: (
                        m.message_type == "user_notification"
                        and m.subject.startswith("New ticket")
                    )
                )
                self.assertEqual(len(notices), 1, f"{ticket.number}: one notice")
                self.assertEqual(notices.partner_ids.ids, [admin_partner_id])
                acks = env["mail.mail"].search(
                    [
                        ("model", "=", "support.ticket"),
                        ("res_id", "=", ticket.id),
                        ("email_to", "=", ticket.email_from),
                    ]
                )
                self.assertEqual(len(acks), 1, f"{ticket.number}: one acknowledgement")
                self.assertIn(ticket.number, acks.subject)
                self.assertFalse(
                    ticket.creation_log_pending or ticket.creation_mail_pending
                )
