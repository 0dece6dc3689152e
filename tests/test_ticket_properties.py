from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import TYPE_PROPERTIES, SupportDeskCommon


@tagged("post_install", "-at_install")
class TestTicketProperties(SupportDeskCommon):
    """Custom fields per ticket type (Odoo Properties)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Type = cls.env["support.ticket.type"]
        cls.type_hw = Type.create(
            {
                "name": "Hardware",
                "is_default": True,
                "ticket_properties_definition": TYPE_PROPERTIES,
            }
        )
        cls.type_sw = Type.create(
            {
                "name": "Software",
                "is_default": True,
                "ticket_properties_definition": [
                    {"name": "version", "string": "Version", "type": "char"}
                ],
            }
        )

    def _ticket(self, ticket_type, values):
        return self._create_ticket(
            type_id=ticket_type.id,
            partner_id=self.customer.id,
            ticket_properties=values,
        )

    def test_values_follow_the_type(self):
        hw = self._ticket(self.type_hw, {"serial": "SN-1", "os": "linux"})
        sw = self._ticket(self.type_sw, {"version": "2.4"})
        self.assertEqual(hw.ticket_properties["serial"], "SN-1")
        self.assertEqual(hw.ticket_properties["os"], "linux")
        self.assertEqual(sw.ticket_properties["version"], "2.4")
        self.assertNotIn("serial", sw.ticket_properties)
        # Values of another type's fields are not kept.
        sw.ticket_properties = {"serial": "SN-9"}
        self.assertNotIn("serial", sw.ticket_properties)

    def test_search_and_group_by_custom_field(self):
        linux = self._ticket(self.type_hw, {"serial": "SN-1", "os": "linux"})
        self._ticket(self.type_hw, {"serial": "SN-2", "os": "win"})
        Ticket = self.env["support.ticket"].with_user(self.manager)
        self.assertEqual(Ticket.search([("ticket_properties.os", "=", "linux")]), linux)
        self.assertEqual(
            Ticket.search([("ticket_properties.serial", "ilike", "sn-1")]), linux
        )
        groups = Ticket.read_group(
            [("type_id", "=", self.type_hw.id)],
            ["__count"],
            ["ticket_properties.os"],
        )
        counts = {
            g["ticket_properties.os"]: g["ticket_properties.os_count"] for g in groups
        }
        self.assertEqual(counts, {"linux": 1, "win": 1})

    def test_export_and_copy(self):
        ticket = self._ticket(self.type_hw, {"serial": "SN-7", "os": "win"})
        rows = ticket.export_data(["number", "ticket_properties"])["datas"]
        self.assertEqual(rows[0][0], ticket.number)
        self.assertIn("SN-7", str(rows[0][1]))
        self.assertEqual(ticket.copy().ticket_properties["serial"], "SN-7")

    def test_only_managers_define_fields(self):
        with self.assertRaises(AccessError):
            self.type_hw.with_user(self.agent).ticket_properties_definition = []
        # An agent fills the values of the type's fields.
        ticket = self._ticket(self.type_hw, {})
        ticket.with_user(self.agent).ticket_properties = {"serial": "SN-3"}
        self.assertEqual(ticket.ticket_properties["serial"], "SN-3")
