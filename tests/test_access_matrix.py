from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import SupportDeskCommon

# Letters: r read, w write, d delete, p post a message, f read an attachment,
# s assign (set the assignee). Every (ticket, role) cell lists what is allowed;
# every other operation must be refused.
OPERATIONS = "rwdpfs"
MATRIX = {
    # ticket:      employee agent_x agent_y admin   manager   portal_a portal_b
    "team_x": ("", "rwpf", "", "rwpfs", "rwdpfs", "", ""),
    "team_y": ("", "", "rwpf", "", "rwdpfs", "", ""),
    "by_employee": ("rwpf", "", "rwpf", "rwpfs", "rwdpfs", "", ""),
    "shared": ("rpf", "rpf", "rwpf", "", "rwdpfs", "", ""),
    "no_team": ("", "rwpf", "rwpf", "rwpfs", "rwdpfs", "", ""),
    # A customer's ticket: its portal contact reads it. Portal users post no
    # internal notes and read files by access token only (see test_portal*).
    "customer_a": ("", "rwpf", "", "rwpfs", "rwdpfs", "r", ""),
}
# Why each operation is refused: the rights, the record rules, or the scope of
# assignment (never another error that happens to be raised).
REFUSALS = {
    "r": r"'read' access",
    "w": r"'(read|write)' access|not allowed to modify 'Support Ticket'",
    "d": r"'(read|unlink)' access|not allowed to delete 'Support Ticket'",
    "p": r"'read' access|security restrictions.*Operation: create",
    "f": r"'read' access|not allowed to access 'Attachment'",
    "s": r"'(read|write)' access|Only ticket administrators|You cannot assign",
}
# A customer is refused the internal fields before the record.
FIELD_REFUSAL = r"enough rights to access the fields"
ROLES = (
    "employee",
    "agent",
    "agent_b",
    "ticket_admin",
    "manager",
    "portal_a",
    "portal_b",
)


@tagged("post_install", "-at_install")
class TestAccessMatrix(SupportDeskCommon):
    """Roles x tickets x operations, all through rights and record rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Team A plays "team X", team B "team Y"; the administrator is no member.
        cls.team_a.member_ids = cls.agent
        cls.ticket_admin.write(
            {
                "support_assign_team_ids": [(6, 0, cls.team_a.ids)],
                "support_assign_user_ids": [(6, 0, cls.employee.ids)],
            }
        )
        cls.portal_a = cls.portal_user
        cls.portal_b = new_test_user(
            cls.env, login="sd_portal_b", groups="base.group_portal", name="Portal B"
        )
        Ticket = cls.env["support.ticket"]
        cls.tickets = {
            "team_x": Ticket.create(
                {"name": "X", "team_id": cls.team_a.id, "opened_by_id": cls.manager.id}
            ),
            "team_y": Ticket.create(
                {"name": "Y", "team_id": cls.team_b.id, "opened_by_id": cls.manager.id}
            ),
            "by_employee": Ticket.with_user(cls.employee).create(
                {"name": "Mine", "team_id": cls.team_b.id}
            ),
            "shared": Ticket.create(
                {
                    "name": "Shared",
                    "team_id": cls.team_b.id,
                    "opened_by_id": cls.manager.id,
                    "shared_user_ids": [(6, 0, cls.employee.ids)],
                    "shared_team_ids": [(6, 0, cls.team_a.ids)],
                }
            ),
            "no_team": Ticket.create(
                {"name": "Triage", "opened_by_id": cls.manager.id}
            ),
            "customer_a": Ticket.create(
                {
                    "name": "Customer",
                    "team_id": cls.team_a.id,
                    "opened_by_id": cls.manager.id,
                    "partner_id": cls.portal_a.partner_id.id,
                }
            ),
        }
        cls.attachments = {
            key: cls.env["ir.attachment"].create(
                {
                    "name": f"{key}.txt",
                    "raw": b"log file",
                    "res_model": "support.ticket",
                    "res_id": ticket.id,
                }
            )
            for key, ticket in cls.tickets.items()
        }

    def _run(self, operation, user, key):
        ticket = self.tickets[key].with_user(user)
        if operation == "r":
            ticket.read(["name", "description"])
        elif operation == "w":
            ticket.write({"description": "<p>changed</p>"})
        elif operation == "d":
            ticket.unlink()
        elif operation == "p":
            ticket.message_post(
                body="Hello", message_type="comment", subtype_xmlid="mail.mt_note"
            )
        elif operation == "f":
            self.attachments[key].with_user(user).read(["name", "datas"])
        elif operation == "s":
            ticket.write({"user_id": self.agent.id})
        ticket.env.flush_all()

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_matrix(self):
        for key, row in MATRIX.items():
            for role, allowed in zip(ROLES, row, strict=True):
                user = getattr(self, role)
                for operation in OPERATIONS:
                    expected = operation in allowed
                    with (
                        self.subTest(ticket=key, role=role, operation=operation),
                        self.env.cr.savepoint() as savepoint,
                    ):
                        try:
                            self._run(operation, user, key)
                        except (AccessError, UserError) as error:
                            outcome = False
                            detail = str(error)
                            refusal = error
                        else:
                            outcome = True
                            detail = ""
                            refusal = None
                        savepoint.rollback()
                        self.env.invalidate_all()
                        self.assertEqual(
                            outcome,
                            expected,
                            f"{role} {operation} on {key}: "
                            f"{'allowed' if outcome else 'refused'} {detail}",
                        )
                        if refusal is not None:
                            # Refused by rights and rules, for that reason.
                            self.assertIsInstance(refusal, AccessError, detail)
                            self.assertRegex(
                                detail, f"(?s){REFUSALS[operation]}|{FIELD_REFUSAL}"
                            )

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_create_by_role(self):
        for role in ("employee", "agent", "agent_b", "ticket_admin", "manager"):
            with self.subTest(role=role):
                user = getattr(self, role)
                ticket = (
                    self.env["support.ticket"].with_user(user).create({"name": role})
                )
                self.assertEqual(ticket.opened_by_id, user)
                self.assertTrue(ticket.with_user(user).read(["name"]))
        for role in ("portal_a", "portal_b"):
            with self.subTest(role=role), self.assertRaises(AccessError):
                self.env["support.ticket"].with_user(getattr(self, role)).create(
                    {"name": role}
                )

    def test_search_paths_follow_rules(self):
        """name_search, read_group, search_count and export see the same tickets."""
        self.agent_b.groups_id = [(4, self.env.ref("base.group_allow_export").id)]
        Ticket = self.env["support.ticket"].with_user(self.agent_b)
        scope = [("id", "in", [t.id for t in self.tickets.values()])]
        visible = Ticket.search(scope)
        self.assertEqual(set(visible.mapped("name")), {"Y", "Mine", "Shared", "Triage"})
        self.assertEqual(Ticket.search_count(scope), 4)
        groups = Ticket.read_group(scope, ["team_id"], ["team_id"])
        self.assertEqual(sum(g["team_id_count"] for g in groups), 4)
        self.assertFalse(Ticket.name_search("X", operator="="))
        exported = Ticket.search(scope).export_data(["name"])["datas"]
        self.assertEqual(len(exported), 4)
        # The messages of a hidden ticket stay hidden too.
        self.tickets["team_x"].message_post(body="secret", subtype_xmlid="mail.mt_note")
        messages = (
            self.env["mail.message"]
            .with_user(self.agent_b)
            .search(
                [
                    ("model", "=", "support.ticket"),
                    ("res_id", "=", self.tickets["team_x"].id),
                ]
            )
        )
        self.assertFalse(messages)
