from odoo import api, models


class BaseAutomation(models.Model):
    _inherit = "base.automation"

    @api.model
    def _get_calendar(self, automation, record):
        # Day-based rules on tickets count the working days of the ticket's team;
        # the rule's own calendar is only the fallback.
        if record._name == "support.ticket":
            return record._support_working_calendar() or automation.trg_date_calendar_id
        return super()._get_calendar(automation, record)
