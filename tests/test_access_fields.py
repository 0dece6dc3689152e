from odoo.exceptions import AccessError
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from .common import SupportDeskCommon

# Which role reads (r) and writes (w) which ticket field, over JSON-RPC. The
# ticket is opened by the employee, in the agent's team, for portal customer A.
# Roles: portal customer, employee (the opener), agent of the team, manager.
ROLES = ("portal", "employee", "agent", "manager")
TOGGLE = object()  # a boolean's other value
FIELDS = {
    # field:               portal employee agent manager
    "name": ("r", "rw", "rw", "rw"),
    "description": ("r", "rw", "rw", "rw"),
    "number": ("r", "r", "r", "r"),
    "sla_deadline": ("r", "r", "r", "rw"),
    "sla_status": ("r", "r", "r", "rw"),
    "date_closed": ("r", "r", "r", "rw"),
    "estimate_hours": ("", "rw", "rw", "rw"),
    "is_external": ("", "rw", "rw", "rw"),
    "reference": ("", "rw", "rw", "rw"),
    "extra_notify_emails": ("", "rw", "rw", "rw"),
    "email_cc": ("", "rw", "rw", "rw"),
    "project_id": ("", "rw", "rw", "rw"),
    "contract_id": ("", "rw", "rw", "rw"),
    "tracked_hours": ("", "r", "r", "rw"),
    "tracking_status": ("", "r", "r", "rw"),
    "opened_by_id": ("", "r", "r", "rw"),
    "in_charge_user_id": ("", "r", "r", "rw"),
    "channel": ("", "r", "r", "rw"),
    "sla_start_date": ("", "r", "r", "rw"),
    "sla_paused_until_reply": ("", "r", "r", "rw"),
    "last_reply_date": ("", "r", "r", "rw"),
    "creation_mail_pending": ("", "r", "r", "rw"),
    "shared_user_ids": ("", "rw", "rw", "rw"),
    "timesheet_ids": ("", "", "r", "r"),  # employees: no timesheet rights
    "ticket_properties": ("", "r", "r", "r"),
    # My Tickets' columns: the state with Expired (what a customer can tell
    # from the state and deadline they read), the customer's CB points.
    "state_display": ("r", "r", "r", "r"),
    "partner_cb_points": ("", "r", "r", "r"),
}


@tagged("post_install", "-at_install")
class TestFieldAccess(HttpCase, SupportDeskCommon):
    """Field by field, role by role, through the JSON-RPC every client uses."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user.partner_id.parent_id = cls.customer
        cls.project = cls.env["project.project"].create({"name": "Field Matrix"})
        cls.contract = cls.env["support.contract"].create(
            {
                "name": "Matrix Contract",
                "partner_id": cls.customer.id,
                "date_start": "2020-01-01",
            }
        )
        cls.ticket = cls.env["support.ticket"].create(
            {
                "name": "Field matrix",
                "team_id": cls.team_a.id,
                "partner_id": cls.customer.id,
                "partner_contact_id": cls.portal_user.partner_id.id,
                "opened_by_id": cls.employee.id,
            }
        )
        cls.users = {
            "portal": cls.portal_user,
            "employee": cls.employee,
            "agent": cls.agent,
            "manager": cls.manager,
        }
        # A value every field can take that differs from the ticket's.
        cls.values = {
            "name": "Changed title",
            "description": "<p>Changed</p>",
            "number": "T99999",
            "sla_deadline": "2031-01-01 10:00:00",
            "sla_status": "failed",
            "date_closed": "2031-01-01 10:00:00",
            "estimate_hours": 7.5,
            "is_external": TOGGLE,
            "reference": "PR-1",
            "extra_notify_emails": "boss@acme.example",
            "email_cc": "cc@acme.example",
            "project_id": cls.project.id,
            "contract_id": cls.contract.id,
            "tracked_hours": 99.0,
            "tracking_status": "over",
            "opened_by_id": cls.agent_b.id,
            "in_charge_user_id": cls.agent_b.id,
            "channel": "email",
            "sla_start_date": "2031-01-01 10:00:00",
            "sla_paused_until_reply": TOGGLE,
            "last_reply_date": "2031-01-01 10:00:00",
            "creation_mail_pending": TOGGLE,
            "shared_user_ids": [(6, 0, cls.agent_b.ids)],
        }

    def _call(self, user, method, args, kwargs=None):
        self.authenticate(user.login, user.login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "support.ticket",
                "method": method,
                "args": args,
                "kwargs": kwargs or {},
            },
        )

    def _stored(self, fname):
        self.env.invalidate_all()
        return (
            self.ticket.sudo()
            ._fields[fname]
            .convert_to_write(self.ticket.sudo()[fname], self.ticket)
        )

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_model")
    def test_field_matrix(self):
        for fname, row in FIELDS.items():
            for role, rights in zip(ROLES, row, strict=True):
                user = self.users[role]
                with self.subTest(field=fname, role=role, operation="read"):
                    try:
                        result = self._call(user, "read", [self.ticket.ids, [fname]])
                    except JsonRpcException as error:
                        self.assertEqual(error.args[0], "odoo.exceptions.AccessError")
                        self.assertNotIn("r", rights, f"{role} cannot read {fname}")
                    else:
                        self.assertIn("r", rights, f"{role} reads {fname}")
                        self.assertIn(fname, result[0])
                if fname not in self.values:
                    continue
                with self.subTest(field=fname, role=role, operation="write"):
                    before = self._stored(fname)
                    value = self.values[fname]
                    if value is TOGGLE:
                        value = not before
                    try:
                        self._call(user, "write", [self.ticket.ids, {fname: value}])
                    except JsonRpcException as error:
                        self.assertEqual(error.args[0], "odoo.exceptions.AccessError")
                        self.assertNotIn("w", rights, f"{role} cannot write {fname}")
                        self.assertEqual(self._stored(fname), before, "nothing changed")
                    else:
                        self.assertIn("w", rights, f"{role} writes {fname}")
                        self.assertNotEqual(self._stored(fname), before)
                        # Back to the original for the next role.
                        self.ticket.sudo().write({fname: before})

    @mute_logger("odoo.http")
    def test_create_protected_fields(self):
        """Nobody picks the number; only managers set the desk's own fields,
        in the values or as context defaults."""
        Ticket = self.env["support.ticket"].sudo()
        count = Ticket.search_count([])
        attempts = [
            ("employee", {"number": "T00001"}, {}),
            ("manager", {"number": "T00002"}, {}),
            ("employee", {"channel": "email"}, {}),
            ("employee", {}, {"default_channel": "web"}),
            ("employee", {"opened_by_id": self.agent.id}, {}),
            ("agent", {}, {"default_opened_by_id": self.manager.id}),
            ("employee", {"in_charge_user_id": self.employee.id}, {}),
            ("agent", {"in_charge_user_id": self.agent_b.id}, {}),
            ("agent", {"sla_deadline": "2031-01-01 10:00:00"}, {}),
            ("agent", {"creation_mail_pending": False}, {"default_last_reply_date": 1}),
        ]
        for role, extra, context in attempts:
            with self.subTest(role=role, values=extra, context=context):
                with self.assertRaises(JsonRpcException) as caught:
                    self._call(
                        self.users[role],
                        "create",
                        [dict({"name": "Squat", "team_id": self.team_a.id}, **extra)],
                        {"context": context},
                    )
                self.assertEqual(
                    caught.exception.args[0], "odoo.exceptions.AccessError"
                )
                self.assertEqual(Ticket.search_count([]), count, "no ticket created")
        # What a person may give: themselves as opener, a phone channel, and
        # (agents) themselves in charge.
        ticket_id = self._call(
            self.agent,
            "create",
            [
                {
                    "name": "Phone call",
                    "team_id": self.team_a.id,
                    "channel": "phone",
                    "opened_by_id": self.agent.id,
                    "in_charge_user_id": self.agent.id,
                }
            ],
        )
        ticket = Ticket.browse(ticket_id)
        self.assertEqual(ticket.channel, "phone")
        self.assertEqual(ticket.in_charge_user_id, self.agent)
        self.assertRegex(ticket.number, r"^T\d+$")
        # A manager sets the opener and the channel of a ticket typed in for a
        # customer, but still not its number.
        ticket_id = self._call(
            self.manager,
            "create",
            [{"name": "Typed in", "channel": "email", "opened_by_id": self.agent.id}],
        )
        self.assertEqual(Ticket.browse(ticket_id).opened_by_id, self.agent)

    def test_take_in_charge_still_works(self):
        """The button writes the protected field after its own checks."""
        self._call(self.agent, "action_take_in_charge", [self.ticket.ids])
        self.assertEqual(self.ticket.in_charge_user_id, self.agent)
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self._call(self.employee, "action_take_in_charge", [self.ticket.ids])
        self._call(self.agent, "action_release_charge", [self.ticket.ids])
        self.env.invalidate_all()
        self.assertFalse(self.ticket.in_charge_user_id)

    def test_titles_and_texts_are_cleaned(self):
        """NUL bytes and line breaks never reach the database or a subject."""
        ticket_id = self._call(
            self.employee,
            "create",
            [{"name": "Broken\r\nBcc: all@example.com\x00", "reference": "A\x00B"}],
        )
        ticket = self.env["support.ticket"].browse(ticket_id)
        self.assertEqual(ticket.name, "Broken Bcc: all@example.com")
        self.assertEqual(ticket.reference, "AB")
        self._call(self.employee, "write", [[ticket_id], {"name": "One\nTwo\u2028"}])
        self.env.invalidate_all()
        self.assertEqual(ticket.name, "One Two")

    @mute_logger("odoo.http")
    def test_related_link_needs_write_on_the_other_ticket(self):
        """Linking tickets writes both: a context key does not skip that."""
        mine = self.env["support.ticket"].create(
            {"name": "Mine", "opened_by_id": self.employee.id}
        )
        other = self.env["support.ticket"].create(
            {"name": "Not mine", "team_id": self.team_b.id}
        )
        for context in ({}, {"support_sync_related": True}):
            with self.subTest(context=context):
                with self.assertRaises(JsonRpcException) as caught:
                    self._call(
                        self.employee,
                        "write",
                        [mine.ids, {"related_ticket_ids": [(4, other.id)]}],
                        {"context": context},
                    )
                self.assertEqual(
                    caught.exception.args[0], "odoo.exceptions.AccessError"
                )
                self.env.invalidate_all()
                self.assertFalse(mine.related_ticket_ids)
                self.assertFalse(other.related_ticket_ids)
        # Two tickets the employee may change link both ways.
        second = self.env["support.ticket"].create(
            {"name": "Mine too", "opened_by_id": self.employee.id}
        )
        self._call(
            self.employee, "write", [mine.ids, {"related_ticket_ids": [(4, second.id)]}]
        )
        self.env.invalidate_all()
        self.assertEqual(second.related_ticket_ids, mine)


@tagged("post_install", "-at_install")
class TestFieldAccessPortalDirect(SupportDeskCommon):
    """The same boundary without HTTP: a customer's search on a hidden field."""

    def test_portal_cannot_search_hidden_fields(self):
        portal_b = new_test_user(
            self.env, login="sd_portal_fields", groups="base.group_portal"
        )
        Ticket = self.env["support.ticket"].with_user(portal_b)
        with self.assertRaises(AccessError):
            Ticket.search([("estimate_hours", ">", 0)])
        with self.assertRaises(AccessError):
            Ticket.search([], order="opened_by_id")
