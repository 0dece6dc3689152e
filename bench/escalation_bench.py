"""Measure one run of the SLA escalation cron over a large set of open tickets.

Run through bench/escalation.sh, which prepares a throwaway database. Rows are
bulk-inserted with SQL (consistent with what the ORM would write), then one
cron run is timed with its query count and the plan of its selection query.
"""

import argparse
import sys
import time

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import config


def parse():
    odoo_args, _sep, bench_args = " ".join(sys.argv[1:]).partition(" -- ")
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--due-ratio", type=float, default=0.01)
    return odoo_args.split(), parser.parse_args(bench_args.split())


def setup(env, tickets, due_ratio):
    calendar = env["resource.calendar"].create(
        {
            "name": "24/7",
            "tz": "UTC",
            "attendance_ids": [
                (
                    0,
                    0,
                    {
                        "name": str(d),
                        "dayofweek": str(d),
                        "hour_from": 0,
                        "hour_to": 24,
                    },
                )
                for d in range(7)
            ],
        }
    )
    medium = env.ref("support_desk.support_priority_medium")
    policy = env["support.sla.policy"].create(
        {
            "name": "Bench",
            "calendar_id": calendar.id,
            "line_ids": [(0, 0, {"priority_id": medium.id, "resolution_hours": 8})],
            "escalation_ids": [(0, 0, {"name": "Breach", "trigger": "breach"})],
        }
    )
    partner = env["res.partner"].create({"name": "Bench Customer", "is_company": True})
    env["support.contract"].create(
        {
            "name": "Bench",
            "partner_id": partner.id,
            "date_start": "2020-01-01",
            "sla_policy_id": policy.id,
            "state": "active",
        }
    )
    stage = env.ref("support_desk.support_stage_in_progress")
    cr = env.cr
    due = int(tickets * due_ratio)
    cr.execute(
        """
        INSERT INTO support_ticket (number, name, partner_id, company_id, priority_id,
            priority_sequence, stage_id, state, channel, active, opened_by_id,
            sla_status, sla_deadline, create_uid, write_uid, create_date, write_date)
        SELECT 'B' || lpad(g::text, 7, '0'), 'Bench ticket ' || g, %(partner)s, 1,
            %(priority)s, %(sequence)s, %(stage)s, 'in_progress', 'manual', true, 1,
            'ongoing',
            (now() at time zone 'utc')
                + interval '1 hour' * (CASE WHEN g <= %(due)s THEN -1 ELSE 8 END),
            1, 1, now() at time zone 'utc', now() at time zone 'utc'
        FROM generate_series(1, %(tickets)s) g
        """,
        {
            "partner": partner.id,
            "priority": medium.id,
            "sequence": medium.sequence,
            "stage": stage.id,
            "tickets": tickets,
            "due": due,
        },
    )
    cr.execute(
        """
        INSERT INTO support_ticket_sla (ticket_id, company_id, policy_line_id,
            policy_id, target, target_hours, date_start, deadline, status, paused,
            paused_hours,
            next_escalation_id, next_due_date, priority_id, partner_id,
            create_uid, write_uid, create_date, write_date)
        SELECT t.id, 1, %(line)s, %(policy)s, 'resolution', 8,
            t.sla_deadline - interval '8 hours', t.sla_deadline, 'ongoing', false, 0,
            %(level)s, t.sla_deadline, t.priority_id, t.partner_id,
            1, 1, t.create_date, t.create_date
        FROM support_ticket t WHERE t.number LIKE 'B%%'
        """,
        {
            "line": policy.line_ids.id,
            "policy": policy.id,
            "level": policy.escalation_ids.id,
        },
    )
    cr.execute("ANALYZE support_ticket; ANALYZE support_ticket_sla")
    return due


def main():
    odoo_args, args = parse()
    config.parse_config(odoo_args)
    db = config["db_name"]
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        started = time.perf_counter()
        due = setup(env, args.tickets, args.due_ratio)
        load_time = time.perf_counter() - started
    with registry.cursor() as cr:
        cr.execute(
            "EXPLAIN SELECT id FROM support_ticket_sla WHERE next_due_date IS NOT NULL "
            "AND paused IS NOT TRUE AND next_due_date <= now() at time zone 'utc' "
            "ORDER BY next_due_date LIMIT 1000 FOR UPDATE SKIP LOCKED"
        )
        plan = "\n".join(row[0] for row in cr.fetchall())
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        queries_before = cr.sql_log_count
        started = time.perf_counter()
        lines = env["support.ticket.sla"]._cron_escalate(limit=max(due, 1))
        env.flush_all()
        elapsed = time.perf_counter() - started
        queries = cr.sql_log_count - queries_before
        failed = env["support.ticket.sla"].search_count([("status", "=", "failed")])
    with registry.cursor() as cr:
        started = time.perf_counter()
        env = api.Environment(cr, SUPERUSER_ID, {})
        again = env["support.ticket.sla"]._cron_escalate(limit=max(due, 1))
        idle = time.perf_counter() - started
    print(f"tickets: {args.tickets}, due lines: {due} (loaded in {load_time:.1f} s)")
    print("selection query plan:\n  " + plan.replace("\n", "\n  "))
    print(
        f"cron run: {len(lines)} lines processed in {elapsed:.2f} s, {queries} queries "
        f"({queries / max(len(lines), 1):.1f} per line, "
        f"{elapsed * 1000 / max(len(lines), 1):.1f} ms per line); {failed} lines failed"
    )
    print(f"second run (nothing due): {len(again)} lines in {idle * 1000:.1f} ms")


if __name__ == "__main__":
    main()
