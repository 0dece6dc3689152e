from odoo import models


class ResourceCalendarAttendance(models.Model):
    # The SLA's working intervals are cached (resource.calendar).
    _name = "resource.calendar.attendance"
    _inherit = ["resource.calendar.attendance", "support.cache.mixin"]
