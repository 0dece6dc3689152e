import csv
import io

from lxml import etree
from openpyxl import Workbook

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import TYPE_PROPERTIES, SupportDeskCommon

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ["Title", "Account", "Type", "Priority", "Team", "Tags"]
FIELDS = ["name", "partner_id", "type_id", "priority_id", "team_id", "tag_ids"]
ROWS = 200
BAD_ROW = 137  # 0-based index among the data rows (line 139 of the file)


@tagged("post_install", "-at_install")
class TestImportExport(SupportDeskCommon):
    """Tickets imported with Odoo's own import (base_import), exported from the list."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Type = cls.env["support.ticket.type"]
        cls.type_hw = Type.create({"name": "Imp Hardware", "is_default": True})
        cls.type_sw = Type.create({"name": "Imp Software", "is_default": True})
        cls.type_private = Type.create({"name": "Imp Reserved", "is_default": False})
        Partner = cls.env["res.partner"]
        cls.imp_customer = Partner.create(
            {"name": "Imp Customer One", "is_company": True}
        )
        cls.imp_customer_b = Partner.create(
            {"name": "Imp Customer Two", "is_company": True}
        )
        Tag = cls.env["support.tag"]
        cls.tag_vip = Tag.create({"name": "imp-vip"})
        cls.tag_net = Tag.create({"name": "imp-network"})
        cls.team_a.name = "Imp Team A"
        cls.team_b.name = "Imp Team B"

    # Helpers

    def _rows(self, bad=None):
        priorities = ["Low", "Medium", "High", "Urgent"]
        rows = [
            [
                f"Imported ticket {i:03d}",
                ("Imp Customer One", "Imp Customer Two")[i % 2],
                ("Imp Hardware", "Imp Software")[i % 2],
                priorities[i % 4],
                ("Imp Team A", "Imp Team B")[i % 3 == 0],
                ("imp-vip,imp-network", "imp-network", "")[i % 3],
            ]
            for i in range(ROWS)
        ]
        if bad == "priority":
            rows[BAD_ROW][3] = "Apocalyptic"
        elif bad == "type":
            rows[BAD_ROW][2] = "Imp Reserved"
        return rows

    def _csv(self, rows):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        writer.writerows(rows)
        return out.getvalue().encode(), "text/csv", "tickets.csv"

    def _xlsx(self, rows):
        book = Workbook()
        sheet = book.active
        sheet.title = "Tickets"
        sheet.append(HEADERS)
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), XLSX, "tickets.xlsx"

    def _importer(self, content, file_type, file_name):
        return (
            self.env["base_import.import"]
            .with_user(self.manager)
            .create(
                {
                    "res_model": "support.ticket",
                    "file": content,
                    "file_name": file_name,
                    "file_type": file_type,
                }
            )
        )

    def _options(self, **kw):
        return dict(
            {
                "has_headers": True,
                "quoting": '"',
                "separator": ",",
                "encoding": "utf-8",
                "date_format": "",
                "datetime_format": "",
                "float_thousand_separator": ",",
                "float_decimal_separator": ".",
                "advanced": True,
                "keep_matches": False,
                "tracking_disable": True,
                "skip": 0,
                "limit": 2000,
            },
            **kw,
        )

    def _execute(self, importer, dryrun=False, **options):
        return importer.execute_import(
            FIELDS, HEADERS, self._options(**options), dryrun=dryrun
        )

    def _import_valid_rows(self, importer, batch=50):
        """Import what is valid, as the import screen lets one do: batches of
        `limit` rows resumed with `skip`; a batch with an error imports
        nothing, so its rows are retried one by one and the bad ones left out.
        Returns (ids, {file data row index: messages})."""
        ids, errors, skip = [], {}, 0
        while True:
            result = self._execute(importer, skip=skip, limit=batch)
            if result["ids"]:
                ids += result["ids"]
            else:
                for row in range(skip, min(skip + batch, ROWS)):
                    single = self._execute(importer, skip=row, limit=1)
                    if single["ids"]:
                        ids += single["ids"]
                    else:
                        errors[row] = single["messages"]
            skip += batch
            if skip >= ROWS:
                return ids, errors

    def _imported(self):
        return self.env["support.ticket"].search(
            [("name", "=like", "Imported ticket %")]
        )

    def _check_imported(self, tickets, count=ROWS):
        self.assertEqual(len(tickets), count)
        by_name = {ticket.name: ticket for ticket in tickets}
        ticket = by_name["Imported ticket 004"]
        self.assertEqual(ticket.partner_id, self.imp_customer)
        self.assertEqual(ticket.type_id, self.type_hw)
        self.assertEqual(ticket.priority_id.name, "Low")
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertEqual(ticket.tag_ids, self.tag_net)
        ticket = by_name["Imported ticket 003"]
        self.assertEqual(ticket.partner_id, self.imp_customer_b)
        self.assertEqual(ticket.type_id, self.type_sw)
        self.assertEqual(ticket.priority_id.name, "Urgent")
        self.assertEqual(ticket.team_id, self.team_b)
        self.assertEqual(ticket.tag_ids, self.tag_vip | self.tag_net)
        # Every ticket got its own number from the sequence, none kept "New".
        numbers = tickets.mapped("number")
        self.assertEqual(len(set(numbers)), count)
        self.assertNotIn("New", numbers)
        self.assertEqual(set(tickets.mapped("channel")), {"manual"})
        self.assertEqual(set(tickets.opened_by_id.ids), {self.manager.id})

    def _error_rows(self, messages):
        return {message["rows"]["from"] for message in messages if "rows" in message}

    # Import

    def test_import_csv_and_xlsx(self):
        for make in (self._csv, self._xlsx):
            with self.subTest(file=make.__name__):
                importer = self._importer(*make(self._rows()))
                test = self._execute(importer, dryrun=True)
                self.assertFalse(test["messages"], test["messages"])
                self.assertFalse(self._imported(), "a test run imports nothing")
                result = self._execute(importer)
                self.assertFalse(result["messages"], result["messages"])
                self.assertEqual(len(result["ids"]), ROWS)
                self._check_imported(self._imported())
                self._imported().unlink()

    def test_preview_matches_columns(self):
        """The import screen maps the list's column titles to the ticket fields."""
        for make in (self._csv, self._xlsx):
            with self.subTest(file=make.__name__):
                preview = self._importer(*make(self._rows())).parse_preview(
                    self._options()
                )
                self.assertFalse(preview.get("error"), preview)
                self.assertEqual(
                    [preview["matches"][index] for index in range(len(FIELDS))],
                    [[name] for name in FIELDS],
                )

    def test_bad_row_rejects_whole_file(self):
        for bad in ("priority", "type"):
            for make in (self._csv, self._xlsx):
                with self.subTest(bad=bad, file=make.__name__):
                    importer = self._importer(*make(self._rows(bad=bad)))
                    result = self._execute(importer)
                    self.assertFalse(result["ids"])
                    errors = [m for m in result["messages"] if m["type"] == "error"]
                    self.assertTrue(errors)
                    # The bad row is named; Odoo also repeats an error of a
                    # whole batch on the batch's first row (models.load).
                    self.assertIn(BAD_ROW, self._error_rows(errors), errors)
                    expected = "Apocalyptic" if bad == "priority" else "Imp Reserved"
                    self.assertEqual(
                        {expected in m["message"] for m in errors}, {True}, errors
                    )
                    self.assertFalse(self._imported(), "nothing is imported")

    def test_import_valid_rows_in_batches(self):
        for bad in ("priority", "type"):
            for make in (self._csv, self._xlsx):
                with self.subTest(bad=bad, file=make.__name__):
                    importer = self._importer(*make(self._rows(bad=bad)))
                    ids, errors = self._import_valid_rows(importer)
                    self.assertEqual(list(errors), [BAD_ROW])
                    self.assertEqual(len(ids), ROWS - 1)
                    tickets = self._imported()
                    self._check_imported(tickets, ROWS - 1)
                    self.assertNotIn(
                        f"Imported ticket {BAD_ROW:03d}", tickets.mapped("name")
                    )
                    tickets.unlink()

    def test_import_rights(self):
        """Import goes through the access rights: an employee imports tickets
        opened by them; a portal user cannot import at all."""
        importer = self._importer(*self._csv(self._rows()[:3]))
        importer = importer.with_user(self.employee)
        result = importer.execute_import(FIELDS, HEADERS, self._options(), dryrun=False)
        self.assertEqual(len(result["ids"]), 3, result["messages"])
        self.assertEqual(
            set(self._imported().mapped("opened_by_id").ids), {self.employee.id}
        )
        content, file_type, file_name = self._csv(self._rows()[:3])
        with self.assertRaises(AccessError):
            self.env["base_import.import"].with_user(self.portal_user).create(
                {
                    "res_model": "support.ticket",
                    "file": content,
                    "file_name": file_name,
                    "file_type": file_type,
                }
            )

    # Export

    def _list_fields(self):
        Ticket = self.env["support.ticket"].with_user(self.agent)
        view = self.env.ref("support_desk.support_ticket_view_list")
        arch = Ticket.get_views([(view.id, "list")])["views"]["list"]["arch"]
        names = etree.fromstring(arch).xpath("/list/field/@name")
        return [name for name in dict.fromkeys(names) if Ticket._fields[name].store]

    def test_export_list_fields_as_agent(self):
        type_props = self.env["support.ticket.type"].create(
            {
                "name": "Imp With Fields",
                "is_default": True,
                "ticket_properties_definition": TYPE_PROPERTIES,
            }
        )
        visible = self._create_ticket(
            name="Export me",
            team_id=self.team_a.id,
            type_id=type_props.id,
            tag_ids=[(6, 0, (self.tag_vip | self.tag_net).ids)],
            ticket_properties={"serial": "SN-42", "os": "linux"},
            user_id=self.agent.id,
            estimate_hours=2,
        )
        self._create_ticket(name="Not mine", team_id=self.team_b.id)
        fields = self._list_fields()
        for name in ("number", "name", "tag_ids", "ticket_properties", "partner_id"):
            self.assertIn(name, fields)
        Ticket = self.env["support.ticket"].with_user(self.agent)
        tickets = Ticket.search([("name", "in", ("Export me", "Not mine"))])
        self.assertEqual(tickets, visible.with_user(self.agent), "record rules apply")
        # Exporting is a right of its own in Odoo 18 (Settings > Users).
        with self.assertRaises(UserError):
            tickets.export_data(fields)
        self.agent.groups_id += self.env.ref("base.group_allow_export")
        rows = tickets.export_data(
            [*fields, "ticket_properties.serial", "ticket_properties.os"]
        )["datas"]
        self.assertEqual(len(rows), 1)
        row = dict(zip([*fields, "serial", "os"], rows[0], strict=True))
        self.assertEqual(row["number"], visible.number)
        self.assertEqual(row["partner_id"], self.customer.display_name)
        self.assertEqual(set(row["tag_ids"].split(",")), {"imp-vip", "imp-network"})
        self.assertEqual(row["serial"], "SN-42")
        self.assertEqual(row["os"], "Linux")
        # The export read back into an import: the file round-trips.
        self.assertIn("SN-42", str(row["ticket_properties"]))
