import base64
import io

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import xlsxwriter


class SupportStatementWizard(models.TransientModel):
    _name = "support.statement.wizard"
    _description = "Customer Statement of Tracked Time"

    def _default_date_from(self):
        return fields.Date.context_today(self).replace(day=1)

    def _default_date_to(self):
        return self._default_date_from() + relativedelta(months=1, days=-1)

    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        domain="[('parent_id', '=', False)]",
        help="Leave empty for every customer.",
    )
    date_from = fields.Date(string="From", required=True, default=_default_date_from)
    date_to = fields.Date(string="To", required=True, default=_default_date_to)
    billable_only = fields.Boolean(
        string="Billable Time Only",
        default=True,
        help="Leave out the time marked as not billable.",
    )
    group_by_final = fields.Boolean(
        string="Group by Final Customer",
        help="Group the tickets by their Final Customer instead of their Account.",
    )
    xlsx_file = fields.Binary(string="Spreadsheet", readonly=True, attachment=False)
    xlsx_filename = fields.Char(readonly=True)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_to < wizard.date_from:
                raise ValidationError(
                    self.env._("The end of the period cannot precede its start.")
                )

    def _get_line_domain(self):
        self.ensure_one()
        domain = [
            ("support_ticket_id", "!=", False),
            ("date", ">=", self.date_from),
            ("date", "<=", self.date_to),
        ]
        if self.billable_only:
            domain.append(("support_billable", "=", True))
        if self.partner_ids:
            partners = self.partner_ids.ids
            domain += [
                "|",
                ("support_ticket_id.partner_id", "child_of", partners),
                ("support_ticket_id.final_partner_id", "child_of", partners),
            ]
        return domain

    def _get_customer(self, ticket):
        if self.group_by_final and ticket.final_partner_id:
            return ticket.final_partner_id
        return ticket.partner_id

    def _get_statement_data(self):
        """Tracking lines of the period grouped by customer, then by ticket.

        Returns a dict with ``customers`` (a list of dicts with ``partner``,
        ``tickets``, ``hours`` and ``billable_hours``; each ticket a dict with
        ``ticket``, ``lines``, ``hours`` and ``billable_hours``), ``hours`` and
        ``billable_hours``. Only the lines the user may read are counted.
        """
        self.ensure_one()
        lines = self.env["account.analytic.line"].search(
            self._get_line_domain(), order="date, id"
        )
        customers = {}
        for line in lines:
            ticket = line.support_ticket_id
            partner = self._get_customer(ticket)
            customer = customers.setdefault(
                partner,
                {
                    "partner": partner,
                    "tickets": {},
                    "hours": 0.0,
                    "billable_hours": 0.0,
                },
            )
            ticket_data = customer["tickets"].setdefault(
                ticket,
                {"ticket": ticket, "lines": [], "hours": 0.0, "billable_hours": 0.0},
            )
            ticket_data["lines"].append(line)
            billable = line.unit_amount if line.support_billable else 0.0
            for data in (customer, ticket_data):
                data["hours"] += line.unit_amount
                data["billable_hours"] += billable
        result = []
        for partner in sorted(
            customers, key=lambda p: (not p, (p.display_name or "").lower(), p.id)
        ):
            customer = customers[partner]
            customer["tickets"] = sorted(
                customer["tickets"].values(), key=lambda t: t["ticket"].number
            )
            result.append(customer)
        return {
            "customers": result,
            "hours": sum(c["hours"] for c in result),
            "billable_hours": sum(c["billable_hours"] for c in result),
        }

    def _check_has_lines(self, data):
        if not data["customers"]:
            raise UserError(
                self.env._(
                    "There is no tracked time for these customers in the period."
                )
            )

    def action_print_pdf(self):
        self.ensure_one()
        self._check_has_lines(self._get_statement_data())
        return self.env.ref(
            "support_desk.action_report_support_statement"
        ).report_action(self)

    def action_export_xlsx(self):
        self.ensure_one()
        data = self._get_statement_data()
        self._check_has_lines(data)
        self.write(
            {
                "xlsx_file": base64.b64encode(self._render_xlsx(data)),
                "xlsx_filename": self._get_filename() + ".xlsx",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/?model={self._name}&id={self.id}&field=xlsx_file"
            "&filename_field=xlsx_filename&download=true",
            "target": "download",
        }

    def _get_filename(self):
        self.ensure_one()
        return self.env._(
            "Statement %(date_from)s - %(date_to)s",
            date_from=self.date_from,
            date_to=self.date_to,
        )

    def _write_xlsx_line(self, sheet, row, line_data, formats):
        """One tracking line of the statement: customer, ticket, line."""
        _ = self.env._
        customer_name, ticket, line = line_data
        sheet.write(row, 0, customer_name)
        sheet.write(row, 1, ticket.number)
        sheet.write(row, 2, ticket.name)
        sheet.write_datetime(
            row, 3, fields.Datetime.to_datetime(line.date), formats["date"]
        )
        sheet.write(row, 4, line.employee_id.name or "")
        sheet.write(row, 5, line.support_tracking_type_id.name or "")
        sheet.write(row, 6, line.name or "")
        sheet.write(row, 7, _("Yes") if line.support_billable else _("No"))
        sheet.write_number(row, 8, line.unit_amount, formats["hours"])

    def _render_xlsx(self, data):
        """The statement as an XLSX workbook (bytes)."""
        self.ensure_one()
        _ = self.env._
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(_("Statement"))
        bold = workbook.add_format({"bold": True})
        title = workbook.add_format({"bold": True, "font_size": 14})
        formats = {
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "hours": workbook.add_format({"num_format": "0.00"}),
        }
        total_fmt = workbook.add_format({"bold": True, "num_format": "0.00", "top": 1})
        header_fmt = workbook.add_format({"bold": True, "bottom": 1})
        sheet.write(0, 0, self._get_filename(), title)
        headers = [
            _("Customer"),
            _("Ticket"),
            _("Title"),
            _("Date"),
            _("Employee"),
            _("Tracking Type"),
            _("Description"),
            _("Billable"),
            _("Hours"),
        ]
        row = 2
        for col, header in enumerate(headers):
            sheet.write(row, col, header, header_fmt)
        row += 1
        hours_col = len(headers) - 1  # _write_xlsx_line writes the hours there
        for customer in data["customers"]:
            customer_name = customer["partner"].display_name or _("No Customer")
            for ticket_data in customer["tickets"]:
                ticket = ticket_data["ticket"]
                for line in ticket_data["lines"]:
                    self._write_xlsx_line(
                        sheet, row, (customer_name, ticket, line), formats
                    )
                    row += 1
            sheet.write(row, 0, _("Total %(customer)s", customer=customer_name), bold)
            sheet.write_number(row, hours_col, customer["hours"], total_fmt)
            row += 2
        sheet.write(row, 0, _("Grand Total"), bold)
        sheet.write_number(row, hours_col, data["hours"], total_fmt)
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 1, 10)
        sheet.set_column(2, 2, 32)
        sheet.set_column(3, 5, 14)
        sheet.set_column(6, 6, 40)
        sheet.set_column(7, 8, 10)
        workbook.close()
        return output.getvalue()
