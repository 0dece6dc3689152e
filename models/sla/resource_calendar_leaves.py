from odoo import api, models


class ResourceCalendarLeaves(models.Model):
    _inherit = "resource.calendar.leaves"

    # The SLA's working intervals are cached (resource.calendar) with the
    # calendars' global leaves: only those clear the cache, not the time off
    # of one person.
    @api.model_create_multi
    def create(self, vals_list):
        leaves = super().create(vals_list)
        leaves._support_clear_work_intervals()
        return leaves

    def write(self, vals):
        self._support_clear_work_intervals()
        res = super().write(vals)
        self._support_clear_work_intervals()
        return res

    def unlink(self):
        self._support_clear_work_intervals()
        return super().unlink()

    def _support_clear_work_intervals(self):
        if any(not leave.resource_id for leave in self.sudo()):
            self.env.registry.clear_cache()
