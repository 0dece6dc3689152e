"""Measure one run of the SLA escalation cron over a large set of open tickets.

Run through bench/escalation.sh, which prepares a throwaway database. Rows are
bulk-inserted with SQL (consistent with what the ORM would write), then one
cron run is timed with its query count and the plan of its selection query.
"""

import argparse
import cProfile
import pstats
import sys
import time
from datetime import timedelta

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.tools import config


def parse():
    odoo_args, _sep, bench_args = " ".join(sys.argv[1:]).partition(" -- ")
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--due-ratio", type=float, default=0.01)
    parser.add_argument(
        "--profile", action="store_true", help="print the cron run's top functions"
    )
    return odoo_args.split(), parser.parse_args(bench_args.split())


def setup(env, tickets, due_ratio):
    # Office hours with a holiday, as customers have: deadlines cross nights,
    # week-ends and leaves, so planning them is real work.
    calendar = env.ref("resource.resource_calendar_std")
    calendar.write(
        {
            "tz": "Europe/Rome",
            "global_leave_ids": [
                (
                    0,
                    0,
                    {
                        "name": "Holiday",
                        "date_from": fields.Datetime.now().replace(hour=0)
                        + timedelta(days=3),
                        "date_to": fields.Datetime.now().replace(hour=23)
                        + timedelta(days=3),
                    },
                )
            ],
        }
    )
    # Twenty agents reading their mail, in a team with a leader: each escalation
    # reaches the assignee and the leader.
    agents = env["res.users"].create(
        [
            {
                "name": f"Bench Agent {n}",
                "login": f"bench_agent_{n}",
                "email": f"agent{n}@bench.example",
                "notification_type": "email",
                "groups_id": [(4, env.ref("support_desk.group_support_agent").id)],
            }
            for n in range(20)
        ]
    )
    team = env["support.team"].create(
        {"name": "Bench Team", "user_id": agents[0].id, "member_ids": agents.ids}
    )
    medium = env.ref("support_desk.support_priority_medium")
    policy = env["support.sla.policy"].create(
        {
            "name": "Bench",
            "calendar_id": calendar.id,
            "line_ids": [(0, 0, {"priority_id": medium.id, "resolution_hours": 8})],
            "escalation_ids": [
                (
                    0,
                    0,
                    {
                        "name": "Breach",
                        "trigger": "breach",
                        "notify_team_leader": True,
                    },
                )
            ],
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
            team_id, user_id,
            sla_status, sla_deadline, create_uid, write_uid, create_date, write_date)
        SELECT 'B' || lpad(g::text, 7, '0'), 'Bench ticket ' || g, %(partner)s, 1,
            %(priority)s, %(sequence)s, %(stage)s, 'in_progress', 'manual', true, 1,
            %(team)s, (%(agents)s::int[])[g %% 20 + 1],
            'ongoing',
            -- due ones broke their deadline in the last two days, the others later
            (now() at time zone 'utc') + CASE WHEN g <= %(due)s
                THEN -interval '1 minute' * (g %% 2880 + 1)
                ELSE interval '8 hours' + interval '1 minute' * (g %% 600) END,
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
            "team": team.id,
            "agents": agents.ids,
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
            -- the due ones started days ago: 8 working hours are over whatever the
            -- week-end or holiday in between
            t.sla_deadline - interval '8 hours'
                - interval '5 days' * (t.sla_deadline < now())::int,
            t.sla_deadline, 'ongoing', false, 0,
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
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        lines = env["support.ticket.sla"]._cron_escalate(limit=max(due, 1))
        env.flush_all()
        elapsed = time.perf_counter() - started
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        queries = cr.sql_log_count - queries_before
        failed = env["support.ticket.sla"].search_count([("status", "=", "failed")])
        logged = env["mail.message"].search_count(
            [("model", "=", "support.ticket"), ("subject", "like", "Escalation%")]
        )
        mails = env["mail.mail"].search_count([])
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
    print(f"escalation messages logged: {logged}, mails queued: {mails}")
    print(f"second run (nothing due): {len(again)} lines in {idle * 1000:.1f} ms")


if __name__ == "__main__":
    main()
