from odoo import api, models


class ReportSupportTicket(models.AbstractModel):
    _name = "report.support_desk.report_support_ticket"
    _description = "Ticket Sheet"

    @api.model
    def _get_report_values(self, docids, data=None):
        tickets = self.env["support.ticket"].browse(docids)
        # Refuse up front rather than fail half-way through the template.
        tickets.check_access("read")
        return {"doc_ids": docids, "doc_model": "support.ticket", "docs": tickets}
