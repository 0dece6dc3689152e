from datetime import timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import SupportDeskCommon


@tagged("post_install", "-at_install")
class TestAssignment(SupportDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket_admin.write(
            {
                "support_assign_team_ids": [(6, 0, cls.team_a.ids)],
                "support_assign_user_ids": [(6, 0, cls.employee.ids)],
            }
        )

    def test_scope_lists_allowed_targets(self):
        ticket = self._create_ticket(team_id=self.team_a.id)
        as_admin = ticket.with_user(self.ticket_admin)
        self.assertTrue(as_admin.can_assign)
        self.assertEqual(as_admin.allowed_assign_team_ids, self.team_a)
        self.assertEqual(
            as_admin.allowed_assign_user_ids,
            self.employee | self.agent | self.ticket_admin,
        )
        self.assertFalse(ticket.with_user(self.agent).can_assign)
        self.assertFalse(ticket.with_user(self.agent).allowed_assign_user_ids)
        self.assertTrue(ticket.with_user(self.manager).can_assign)

    def test_admin_assigns_within_scope_only(self):
        ticket = self._create_ticket(team_id=self.team_a.id)
        as_admin = ticket.with_user(self.ticket_admin)
        as_admin.user_id = self.employee
        self.assertEqual(ticket.user_id, self.employee)
        as_admin.user_id = self.agent  # member of a team in scope
        with self.assertRaisesRegex(AccessError, "cannot assign tickets to Agent B"):
            as_admin.user_id = self.agent_b
        with self.assertRaisesRegex(AccessError, "to the team Team B"):
            as_admin.team_id = self.team_b
        self.assertEqual(ticket.user_id, self.agent)
        self.assertEqual(ticket.team_id, self.team_a)
        as_admin.user_id = False
        self.assertFalse(ticket.user_id)

    def test_agents_and_employees_cannot_assign(self):
        ticket = self._create_ticket(
            team_id=self.team_a.id, opened_by_id=self.employee.id
        )
        for user in (self.agent, self.employee):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(AccessError, "Only ticket administrators"):
                    ticket.with_user(user).user_id = user
                with self.assertRaises(AccessError):
                    ticket.with_user(user).team_id = self.team_b
        with self.assertRaisesRegex(AccessError, "Only ticket administrators"):
            self.env["support.ticket"].with_user(self.employee).create(
                {"name": "Assign myself", "user_id": self.agent.id}
            )
        # Addressing a team on creation is routing, open to everyone.
        ticket = (
            self.env["support.ticket"]
            .with_user(self.employee)
            .create({"name": "To team B", "team_id": self.team_b.id})
        )
        self.assertEqual(ticket.team_id, self.team_b)

    def test_unchanged_values_are_not_an_assignment(self):
        ticket = self._create_ticket(team_id=self.team_a.id, user_id=self.agent.id)
        ticket.with_user(self.agent).write(
            {"user_id": self.agent.id, "team_id": self.team_a.id, "name": "Renamed"}
        )
        self.assertEqual(ticket.name, "Renamed")

    def test_type_routing_is_not_blocked(self):
        routed = self.env["support.ticket.type"].create(
            {"name": "Routed", "team_id": self.team_b.id}
        )
        ticket = self._create_ticket(opened_by_id=self.employee.id)
        ticket.with_user(self.employee).type_id = routed
        self.assertEqual(ticket.team_id, self.team_b)

    def test_type_routing_does_not_move_a_ticket(self):
        """Changing the type of a ticket of another team is changing its team:
        ticket administrators only (and within their scope)."""
        routed = self.env["support.ticket.type"].create(
            {"name": "Routed", "team_id": self.team_b.id}
        )
        ticket = self._create_ticket(
            opened_by_id=self.employee.id, team_id=self.team_a.id
        )
        with self.assertRaisesRegex(AccessError, "Only ticket administrators"):
            ticket.with_user(self.employee).type_id = routed
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertFalse(ticket.type_id)
        self.ticket_admin.support_assign_team_ids = self.team_a | self.team_b
        ticket.with_user(self.ticket_admin).type_id = routed
        self.assertEqual(ticket.team_id, self.team_b)

    def test_allowed_types_per_customer(self):
        Type = self.env["support.ticket.type"]
        default = Type.create({"name": "Default one"})
        special = Type.create({"name": "Special", "is_default": False})
        self.assertTrue(self._create_ticket(type_id=default.id))
        with self.assertRaisesRegex(ValidationError, "not available to the customer"):
            self._create_ticket(type_id=special.id)
        # A customer's own list replaces the defaults, for its contacts too.
        self.customer.support_type_ids = special
        self.assertTrue(self._create_ticket(type_id=special.id))
        with self.assertRaisesRegex(ValidationError, "not available"):
            self._create_ticket(type_id=default.id)
        with self.assertRaisesRegex(ValidationError, "not available"):
            self._create_ticket(partner_id=self.customer_contact.id, type_id=default.id)
        ticket = self._create_ticket(
            partner_id=self.other_customer.id, type_id=default.id
        )
        self.assertIn(default, ticket.allowed_type_ids)
        self.assertNotIn(special, ticket.allowed_type_ids)
        with self.assertRaisesRegex(ValidationError, "not available"):
            ticket.partner_id = self.customer
        self.assertEqual(special.partner_ids, self.customer)

    def _emailed(self, ticket):
        """Partners notified by email about the ticket, and the messages' subjects."""
        notifications = self.env["mail.notification"].search(
            [
                ("mail_message_id.model", "=", "support.ticket"),
                ("mail_message_id.res_id", "=", ticket.id),
                ("notification_type", "=", "email"),
            ]
        )
        return notifications.res_partner_id, notifications.mail_message_id

    def test_mail_to_assignee_on_open(self):
        ticket = self._create_ticket(team_id=self.team_a.id, user_id=self.agent.id)
        self.assertIn(self.agent.partner_id, ticket.message_partner_ids)
        self._run_creation_queue()
        partners, _messages = self._emailed(ticket)
        self.assertIn(self.agent.partner_id, partners)
        self.assertNotIn(self.ticket_admin.partner_id, partners)

    def test_mail_to_ticket_admins_when_unassigned(self):
        ticket = self._create_ticket(team_id=self.team_a.id)
        self._run_creation_queue()
        partners, messages = self._emailed(ticket)
        self.assertIn(self.ticket_admin.partner_id, partners)
        self.assertIn("New ticket to assign", " ".join(messages.mapped("subject")))
        # A team without a scoped administrator falls back to the managers.
        ticket = self._create_ticket(team_id=self.team_b.id)
        self._run_creation_queue()
        partners, _messages = self._emailed(ticket)
        self.assertIn(self.manager.partner_id, partners)
        self.assertNotIn(self.ticket_admin.partner_id, partners)

    def _notices(self, ticket):
        return self.env["mail.message"].search(
            [
                ("model", "=", "support.ticket"),
                ("res_id", "=", ticket.id),
                ("message_type", "=", "user_notification"),
            ]
        )

    def _opened(self, ticket):
        return ticket.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("support_desk.mt_ticket_new")
        )

    def test_creation_queue(self):
        """Opening a ticket queues "ticket opened" and the rules' notice; the
        queue's cron makes them once: the log by the ticket's opener, dated
        when it was opened, the notice with its own subject and details."""
        cron = self.env.ref("support_desk.ir_cron_creation_queue")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        ticket = (
            self.env["support.ticket"]
            .with_user(self.agent)
            .create({"name": "Queued", "team_id": self.team_a.id})
            .with_env(self.env)
        )
        self.assertTrue(ticket.creation_log_pending)
        self.assertTrue(ticket.creation_mail_pending)
        self.assertFalse(self._opened(ticket))
        self.assertFalse(self._notices(ticket))
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            len(triggers),
            "opening a ticket wakes the queue",
        )

        self.assertIn(ticket, self._run_creation_queue())
        self.assertFalse(ticket.creation_log_pending)
        self.assertFalse(ticket.creation_mail_pending)
        created = self._opened(ticket)
        self.assertEqual(len(created), 1)
        self.assertEqual(created.author_id, self.agent.partner_id)
        self.assertEqual(created.date, ticket.create_date)
        self.assertNotIn("nobody assigned", str(created.body))
        notice = self._notices(ticket)
        self.assertEqual(len(notice), 1)
        self.assertIn("New ticket to assign", notice.subject)
        mail = self.env["mail.mail"].search([("mail_message_id", "=", notice.id)])
        self.assertEqual(mail.recipient_ids, self.ticket_admin.partner_id)
        self.assertIn("nobody assigned", mail.body_html)
        # done once: the next run finds nothing to do
        self.assertNotIn(ticket, self._run_creation_queue())
        self.assertEqual(len(self._notices(ticket)), 1)
        self.assertEqual(len(self._opened(ticket)), 1)

    def test_creation_notice_has_the_footer_and_the_server(self):
        """Notices leave, like replies, through the ticket's server (else its
        team's) with the company's legal footer."""
        server = self.env["ir.mail_server"].create(
            {"name": "Team A server", "smtp_host": "localhost", "smtp_port": 2525}
        )
        self.team_a.mail_server_id = server
        self.company.support_mail_footer = "<p>Informativa privacy</p>"
        self._run_creation_queue()
        ticket = self._create_ticket(team_id=self.team_a.id)
        self._run_creation_queue()
        mail = self.env["mail.mail"].search(
            [("mail_message_id", "in", self._notices(ticket).ids)]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.mail_server_id, server)
        self.assertIn("Informativa privacy", mail.body_html)
        # a ticket's own server wins over its team's
        own = server.copy({"name": "Ticket server"})
        other = self._create_ticket(team_id=self.team_a.id, mail_server_id=own.id)
        self._run_creation_queue()
        mail = self.env["mail.mail"].search(
            [("mail_message_id", "in", self._notices(other).ids)]
        )
        self.assertEqual(mail.mail_server_id, own)

    def test_creation_notice_follows_the_ticket(self):
        """The queue mails what the ticket is when it runs: assigned in the
        meantime, the assignee is told, not the administrators."""
        ticket = self._create_ticket(team_id=self.team_a.id)
        ticket.user_id = self.agent
        self._run_creation_queue()
        notice = self._notices(ticket)
        self.assertIn(self.agent.partner_id, notice.partner_ids)
        self.assertNotIn(self.ticket_admin.partner_id, notice.partner_ids)

    def test_creation_queue_mails_as_the_ticket_company(self):
        """The cron runs in the main company: the notice of another company's
        ticket still comes from that company."""
        self._run_creation_queue()
        other = self.env["res.company"].create(
            {"name": "Other Co", "email": "desk@other.example"}
        )
        ticket = (
            self.env["support.ticket"]
            .with_company(other)
            .create({"name": "Elsewhere", "company_id": other.id})
        )
        self.assertEqual(ticket.company_id, other)
        self._run_creation_queue()
        mails = self.env["mail.mail"].search(
            [("mail_message_id", "in", self._notices(ticket).ids)]
        )
        self.assertTrue(mails)
        self.assertEqual(set(mails.mapped("email_from")), {other.email_formatted})

    def test_creation_queue_speaks_the_openers_language(self):
        """The cron has no language of its own: a ticket's notice is in the
        language of whoever opened it, as when it was sent at once."""
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"].search(
            [("name", "=", "support_desk")]
        )._update_translations(["it_IT"])
        self.agent.lang = "it_IT"
        self._run_creation_queue()
        italian = (
            self.env["support.ticket"]
            .with_user(self.agent)
            .create({"name": "Stampante", "team_id": self.team_a.id})
        )
        english = self._create_ticket(team_id=self.team_a.id)
        self._run_creation_queue()
        self.assertIn("Nuovo ticket da assegnare", self._notices(italian).subject)
        self.assertIn("New ticket to assign", self._notices(english).subject)

    def test_acknowledgement_sender_without_team_or_company_address(self):
        """Sent by the cron: without a team leader's or company address, the
        acknowledgement comes from Odoo's default sender, not the cron's user."""
        self.company.write({"support_notify_on_open": True, "email": False})
        self.team_a.user_id = False
        self._run_creation_queue()
        ticket = self.env["support.ticket"].create(
            {
                "name": "Help",
                "team_id": self.team_a.id,
                "channel": "email",
                "email_from": "joe@example.com",
            }
        )
        self._run_creation_queue()
        ack = self.env["mail.mail"].search(
            [("res_id", "=", ticket.id), ("email_to", "=", "joe@example.com")]
        )
        self.assertEqual(len(ack), 1)
        self.assertEqual(
            ack.email_from, self.env["ir.mail_server"]._get_default_from_address()
        )

    def test_creation_queue_in_batches(self):
        """A run takes ``limit`` tickets, oldest first, and tells the cron
        how many are left (it then runs again at once)."""
        self._run_creation_queue()
        tickets = self.env["support.ticket"].create(
            [{"name": f"Queued {n}", "team_id": self.team_a.id} for n in range(5)]
        )
        cron = self.env.ref("support_desk.ir_cron_creation_queue")
        _cron, progress = cron._add_progress()
        done = (
            self.env["support.ticket"]
            .sudo()
            .with_context(ir_cron_progress_id=progress.id)
            ._cron_process_creation_queue(limit=3)
        )
        self.assertEqual(done, tickets[:3])
        self.assertEqual((progress.done, progress.remaining), (3, 2))
        self.assertEqual(
            tickets.mapped("creation_mail_pending"), [False] * 3 + [True] * 2
        )

    def test_creation_queue_failing_ticket_is_logged(self):
        """One ticket whose creation mails fail does not hold back the others,
        and does not come back at every run (the error is in the log)."""
        self._run_creation_queue()
        good, bad = self.env["support.ticket"].create(
            [
                {"name": "Good", "team_id": self.team_a.id},
                {"name": "Bad", "team_id": self.team_a.id},
            ]
        )
        Ticket = type(self.env["support.ticket"])
        original = Ticket._support_mail_on_create

        def failing(tickets):
            if bad in tickets:
                raise RuntimeError("no mail for this one")
            return original(tickets)

        with (
            patch.object(Ticket, "_support_mail_on_create", failing),
            self.assertLogs(
                "odoo.addons.support_desk.models.opening.support_ticket", "ERROR"
            ) as logs,
        ):
            self._run_creation_queue()
        self.assertIn(bad.number, logs.output[0])
        self.assertEqual(len(self._notices(good)), 1)
        self.assertFalse(self._notices(bad))
        self.assertFalse(bad.creation_mail_pending)
        self.assertTrue(self._opened(good))

    def test_creation_queue_without_log_or_mails(self):
        """Mail tickets are not logged (the mail is their first message);
        automated mails open tickets that mail nobody."""
        Ticket = self.env["support.ticket"].with_context(mail_create_nolog=True)
        ticket = Ticket.create({"name": "By mail", "team_id": self.team_a.id})
        self.assertFalse(ticket.creation_log_pending)
        self.assertTrue(ticket.creation_mail_pending)
        automated = Ticket.with_context(support_mail_automated=True).create(
            {"name": "Out of office", "team_id": self.team_a.id}
        )
        self.assertFalse(automated.creation_log_pending)
        self.assertFalse(automated.creation_mail_pending)
        self._run_creation_queue()
        self.assertFalse(self._opened(ticket) | self._opened(automated))
        self.assertTrue(self._notices(ticket))
        self.assertFalse(self._notices(automated))

    def test_separate_notice_when_the_creation_is_posted(self):
        """A follower subscribed to new tickets gets Odoo's own post of the
        creation message; the rules' notice comes as its own message."""
        subtype = self.env.ref("support_desk.mt_ticket_new")
        # the team's followers follow its new tickets
        self.team_a.message_subscribe(
            partner_ids=self.agent_b.partner_id.ids,
            subtype_ids=self.env.ref("support_desk.mt_team_ticket_new").ids,
        )
        ticket = self._create_ticket(team_id=self.team_a.id)
        self._run_creation_queue()
        created = ticket.message_ids.filtered(lambda m: m.subtype_id == subtype)
        self.assertEqual(len(created), 1)
        self.assertIn(self.agent_b.partner_id, created.notification_ids.res_partner_id)
        notice = self._notices(ticket)
        self.assertEqual(len(notice), 1)
        self.assertIn(self.ticket_admin.partner_id, notice.partner_ids)

    def test_dashboard_domains(self):
        Ticket = self.env["support.ticket"]
        by_employee = Ticket.with_user(self.employee).create({"name": "E"})
        assigned = self._create_ticket(user_id=self.ticket_admin.id)
        closed = self._create_ticket(
            user_id=self.ticket_admin.id, stage_id=self.stage_done.id
        )
        domains = Ticket.with_user(self.ticket_admin).get_dashboard_domains()
        opened = Ticket.with_user(self.ticket_admin).search(domains["opened"])
        self.assertIn(
            by_employee, opened, "the administrator sees what their users opened"
        )
        mine = Ticket.with_user(self.ticket_admin).search(domains["assigned"])
        self.assertIn(assigned, mine)
        # Every state: the box's Open filter is a facet the user may remove.
        self.assertIn(closed, mine)
        domains = Ticket.with_user(self.agent).get_dashboard_domains()
        self.assertNotIn(
            by_employee, Ticket.with_user(self.agent).search(domains["opened"])
        )

    def test_rule_follows_membership(self):
        ticket = self._create_ticket(team_id=self.team_b.id)
        Ticket = self.env["support.ticket"].with_user(self.agent)
        self.assertFalse(Ticket.search([("id", "=", ticket.id)]))
        self.team_b.member_ids = [(4, self.agent.id)]
        self.assertEqual(Ticket.search([("id", "=", ticket.id)]), ticket)
        self.team_b.member_ids = [(3, self.agent.id)]
        self.assertFalse(Ticket.search([("id", "=", ticket.id)]))


@tagged("post_install", "-at_install")
class TestAutoAssignment(SupportDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.member_1 = new_test_user(
            cls.env, login="sd_m1", groups="support_desk.group_support_agent", name="M1"
        )
        cls.member_2 = new_test_user(
            cls.env, login="sd_m2", groups="support_desk.group_support_agent", name="M2"
        )
        cls.member_3 = new_test_user(
            cls.env, login="sd_m3", groups="support_desk.group_support_agent", name="M3"
        )
        cls.team = cls.env["support.team"].create(
            {
                "name": "Queue",
                "member_ids": [
                    (6, 0, (cls.member_1 | cls.member_2 | cls.member_3).ids)
                ],
            }
        )

    def _assignees(self, count):
        return [
            self._create_ticket(name=f"Q{i}", team_id=self.team.id).user_id
            for i in range(count)
        ]

    def test_manual_assigns_nobody(self):
        self.assertEqual(self._assignees(2), [self.env["res.users"]] * 2)

    def test_round_robin(self):
        self.team.assign_method = "round_robin"
        self.assertEqual(
            self._assignees(4),
            [self.member_1, self.member_2, self.member_3, self.member_1],
        )

    def test_round_robin_skips_unavailable_and_on_leave(self):
        self.team.assign_method = "round_robin"
        self.member_2.with_user(self.member_2).support_unavailable = True
        employee = self.env["hr.employee"].create(
            {"name": "M3", "user_id": self.member_3.id}
        )
        now = fields.Datetime.now()
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "resource_id": employee.resource_id.id,
                "calendar_id": employee.resource_calendar_id.id,
                "date_from": now - timedelta(hours=1),
                "date_to": now + timedelta(days=1),
            }
        )
        self.assertEqual(self._assignees(2), [self.member_1, self.member_1])

    def test_balanced(self):
        self.team.assign_method = "balanced"
        self._create_ticket(team_id=self.team.id, user_id=self.member_1.id)
        self._create_ticket(team_id=self.team.id, user_id=self.member_1.id)
        self._create_ticket(team_id=self.team.id, user_id=self.member_2.id)
        self.assertEqual(
            self._assignees(3), [self.member_3, self.member_2, self.member_3]
        )

    def test_everybody_away_leaves_ticket_unassigned(self):
        self.team.assign_method = "balanced"
        (self.member_1 | self.member_2 | self.member_3).write(
            {"support_unavailable": True}
        )
        self.assertEqual(self._assignees(1), [self.env["res.users"]])


@tagged("post_install", "-at_install")
class TestAssignmentConcurrency(TransactionCase):
    def test_two_admins_assign_at_once(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            ticket_id = env["support.ticket"].create({"name": "Contended"}).id
            admin_1 = env.ref("base.user_admin").id
        self.addCleanup(self._delete, ticket_id)
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            try:
                env1 = api.Environment(cr1, admin_1, {})
                env2 = api.Environment(cr2, SUPERUSER_ID, {})
                env1["support.ticket"].browse(ticket_id).user_id = admin_1
                env1.flush_all()
                with self.assertRaisesRegex(UserError, "Another user is updating"):
                    env2["support.ticket"].browse(ticket_id).write(
                        {"user_id": SUPERUSER_ID}
                    )
                cr1.commit()
            finally:
                cr1.rollback()
                cr2.rollback()
        with self.registry.cursor() as cr:
            ticket = api.Environment(cr, SUPERUSER_ID, {})["support.ticket"].browse(
                ticket_id
            )
            self.assertEqual(
                ticket.user_id.id, admin_1, "one clear outcome: the first one"
            )

    def _delete(self, ticket_id):
        with self.registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["support.ticket"].browse(
                ticket_id
            ).unlink()
