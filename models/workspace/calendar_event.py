from datetime import datetime, time, timedelta

from odoo import Command, api, models

from ..ticket.support_stage import CLOSED_STATES

# Ticket fields whose change may create, move or remove the assignee's event
# (the SLA deadline is computed: its compute method asks for the sync itself,
# for the companies showing it).
TICKET_SYNC_FIELDS = {
    "user_id",
    "date_planned_start",
    "date_deadline",
    "stage_id",
    "active",
    "name",
    "number",
    "company_id",
}
SYNC_KEY = "support_desk.calendar_sync_ids"


class CalendarEvent(models.Model):
    """Tickets in their assignee's calendar, on the date the company chose."""

    _inherit = "calendar.event"

    @api.model
    def _support_ticket_sync_later(self, tickets, date_field=None):
        """Sync the events of these tickets once, before the commit: a
        transaction touching a ticket many times (or many tickets) syncs once.

        With `date_field`, only the tickets whose company shows that date.
        """
        if date_field:
            tickets = tickets.filtered(
                lambda t: t.company_id.support_calendar_date_field == date_field
            )
        ids = [ticket_id for ticket_id in tickets.ids if isinstance(ticket_id, int)]
        if not ids:
            return
        data = self.env.cr.precommit.data
        if SYNC_KEY not in data:
            data[SYNC_KEY] = set()
            env = self.env

            @self.env.cr.precommit.add
            def sync_ticket_events():
                ticket_ids = data.pop(SYNC_KEY, set())
                env["calendar.event"]._support_ticket_sync(
                    env["support.ticket"].browse(sorted(ticket_ids))
                )
                env.flush_all()

        data[SYNC_KEY].update(ids)

    @api.model
    def _support_ticket_event_vals(self, ticket, model_id):
        """Values of the ticket's event, or None when it should have none."""
        fname = ticket.company_id.support_calendar_date_field or "date_deadline"
        date, user = ticket[fname], ticket.user_id
        if (
            not date
            or not ticket.active
            or ticket.state in CLOSED_STATES
            or not user.active
            or user.share
        ):
            return None
        vals = {
            "name": f"[{ticket.number}] {ticket.name}",
            "user_id": user.id,
            "privacy": "private",
            "show_as": "free",
            "res_model_id": model_id,
            "res_id": ticket.id,
        }
        if ticket._fields[fname].type == "date":
            # Calendar's own convention for all-day events: 8:00 to 18:00.
            vals.update(
                allday=True,
                start=datetime.combine(date, time(8)),
                stop=datetime.combine(date, time(18)),
            )
        else:
            vals.update(allday=False, start=date, stop=date + timedelta(hours=1))
        return vals

    @api.model
    def _support_quiet_events(self):
        """``calendar.event`` in sudo with a fresh context: no invitation,
        reminder or tracking mail, and no default_* or active_model leaking in,
        which would make calendar create a "meeting" activity on the ticket."""
        context = {
            "lang": self.env.context.get("lang"),
            "tz": self.env.context.get("tz"),
            "no_mail_to_attendees": True,
            "dont_notify": True,
            "tracking_disable": True,
            "mail_create_nolog": True,
            "mail_create_nosubscribe": True,
            "mail_notify_author": False,
        }
        return self.env(context=context, su=True)["calendar.event"]

    def _support_event_changes(self, vals, partner):
        """What of ``vals`` (and the attendee ``partner``) differs from the event."""
        self.ensure_one()
        current = {
            "name": self.name,
            "user_id": self.user_id.id,
            "privacy": self.privacy,
            "show_as": self.show_as,
            "allday": self.allday,
            "start": self.start,
            "stop": self.stop,
            "res_model_id": self.res_model_id.id,
            "res_id": self.res_id,
        }
        changes = {
            fname: value for fname, value in vals.items() if current[fname] != value
        }
        if self.partner_ids != partner:
            changes["partner_ids"] = [Command.set(partner.ids)]
        return changes

    @api.model
    def _support_ticket_sync(self, tickets):
        """Create, move, re-assign or remove the events of the tickets.

        Works on the batch: one create for the new events, one write per set of
        equal changes, one unlink. No invitation, reminder or tracking mail; the
        event is private, so only its attendee (the assignee) sees the ticket.
        """
        tickets = tickets.sudo().with_context(active_test=False).exists()
        if not tickets:
            return
        Event = self._support_quiet_events()
        model_id = self.env["ir.model"]._get_id("support.ticket")
        to_remove = Event
        to_create, to_create_tickets = [], []
        to_write = {}
        for ticket in tickets:
            event = ticket.calendar_event_id.with_env(Event.env)
            vals = self._support_ticket_event_vals(ticket, model_id)
            if vals is None:
                to_remove |= event
                continue
            partner = ticket.user_id.partner_id
            if not event:
                to_create.append(dict(vals, partner_ids=[Command.set(partner.ids)]))
                to_create_tickets.append(ticket)
                continue
            changes = event._support_event_changes(vals, partner)
            if changes:
                # Tickets moved or re-assigned together get one write. Calendar
                # computes the attendees of a write from the partners of all its
                # events: those get the same old partners.
                key = repr(sorted(changes.items()))
                if "partner_ids" in changes:
                    key += repr(event.partner_ids.ids)
                group_changes, events = to_write.get(key, (changes, Event))
                to_write[key] = (group_changes, events | event)
        for changes, events in to_write.values():
            events.write(changes)
        if to_create:
            events = Event.create(to_create)
            for ticket, event in zip(to_create_tickets, events, strict=True):
                ticket.calendar_event_id = event
        if to_remove:
            tickets.filtered(
                lambda t: t.calendar_event_id in to_remove
            ).calendar_event_id = False
            to_remove.unlink()
