import threading
from contextlib import contextmanager
from unittest.mock import patch

import odoo
from odoo.tests import TransactionCase, new_test_user

from odoo.addons.bus.models.bus import channel_with_db, json_dump
from odoo.addons.bus.websocket import WebsocketConnectionHandler


@contextmanager
def live_bus(test, partner):
    """Deliver bus notifications to `partner`'s browser during a tour.

    HttpCase turns the websocket off, as Odoo's WebsocketCase turns it back on;
    and the test cursor drops the post-commit hook where a real commit wakes the
    bus (NOTIFY imbus): send that wake-up while the tour runs.
    """
    test.startPatcher(
        patch.object(WebsocketConnectionHandler, "websocket_allowed", return_value=True)
    )
    channel = channel_with_db(test.env.cr.dbname, partner)
    stop = threading.Event()

    def wake_bus():
        while not stop.wait(0.5):
            with odoo.sql_db.db_connect("postgres").cursor() as cr:
                cr.execute(
                    "SELECT pg_notify('imbus', %s)", [json_dump([list(channel)])]
                )

    thread = threading.Thread(target=wake_bus, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


class SupportDeskCommon(TransactionCase):
    """Users of every role, two teams and two customers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, mail_notrack=False))
        cls.company = cls.env.company
        cls.team_a = cls.env["support.team"].create({"name": "Team A"})
        cls.team_b = cls.env["support.team"].create({"name": "Team B"})
        cls.employee = new_test_user(
            cls.env, login="sd_employee", groups="base.group_user", name="Employee"
        )
        cls.agent = new_test_user(
            cls.env,
            login="sd_agent",
            groups="support_desk.group_support_agent",
            name="Agent A",
        )
        cls.agent_b = new_test_user(
            cls.env,
            login="sd_agent_b",
            groups="support_desk.group_support_agent",
            name="Agent B",
        )
        cls.ticket_admin = new_test_user(
            cls.env,
            login="sd_ticket_admin",
            groups="support_desk.group_support_ticket_admin",
            name="Ticket Admin",
        )
        cls.manager = new_test_user(
            cls.env,
            login="sd_manager",
            groups="support_desk.group_support_manager",
            name="Support Manager",
        )
        cls.portal_user = new_test_user(
            cls.env, login="sd_portal", groups="base.group_portal", name="Portal"
        )
        cls.team_a.member_ids = cls.agent | cls.ticket_admin
        cls.team_b.member_ids = cls.agent_b
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({"name": "ACME Srl", "is_company": True})
        cls.customer_contact = Partner.create(
            {
                "name": "Anna Rossi",
                "parent_id": cls.customer.id,
                "email": "anna@acme.example",
            }
        )
        cls.other_customer = Partner.create({"name": "Globex Spa", "is_company": True})
        cls.other_contact = Partner.create(
            {"name": "Bruno Bianchi", "parent_id": cls.other_customer.id}
        )
        cls.stage_new = cls.env.ref("support_desk.support_stage_new")
        cls.stage_progress = cls.env.ref("support_desk.support_stage_in_progress")
        cls.stage_in_charge = cls.env.ref("support_desk.support_stage_in_charge")
        cls.stage_hold = cls.env.ref("support_desk.support_stage_on_hold")
        cls.stage_done = cls.env.ref("support_desk.support_stage_done")
        cls.stage_cancelled = cls.env.ref("support_desk.support_stage_cancelled")

    @classmethod
    def _create_ticket(cls, **vals):
        vals.setdefault("name", "Printer does not print")
        vals.setdefault("partner_id", cls.customer.id)
        return cls.env["support.ticket"].create(vals)
