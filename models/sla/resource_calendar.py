from pytz import timezone

from odoo import models, tools


class ResourceCalendar(models.Model):
    _name = "resource.calendar"
    _inherit = ["resource.calendar", "support.cache.mixin"]

    @tools.ormcache("self.id", "start", "stop")
    def _support_work_intervals(self, start, stop):
        """Working intervals of the calendar (its global leaves out) between two
        aware datetimes: ``((begin, end), ...)``.

        Cached for the whole server: every ticket opened on a day plans its SLA
        on the same few weeks of the same few calendars. Any change to a
        calendar, its attendances or its global leaves clears the cache. Read as
        superuser: a deadline must not depend on who opens the ticket.
        """
        calendar = self.sudo()
        resource = self.env["resource.resource"]
        found = calendar._work_intervals_batch(
            start, stop, resources=resource, tz=timezone(calendar.tz or "UTC")
        )[resource.id]
        return tuple((begin, end) for begin, end, _meta in found)
