"""Where the time of one bench figure goes, ours and OCA's side by side.

Run through bench/profile.sh, on databases made as bench/compare.sh makes (the same
data, the same mails). For each figure asked (``--what mail,floor,create,batch``)
and each side: the rate, queries per item, the statements issued most (SQL
normalized, with the addon frame that issued them) and the functions that cost
most (cProfile, cumulative time, filtered to ``--focus``). Rolled back.
"""

import argparse
import cProfile
import io
import os
import pstats
import re
import sys
import time
import traceback
from collections import Counter

sys.path.insert(0, os.path.dirname(__file__))
import compare  # noqa: E402

from odoo.sql_db import Cursor  # noqa: E402
from odoo.tools import config  # noqa: E402

NUMBERS = re.compile(r"\b\d+\b|'[^']*'")


class QueryLog:
    """Counts the statements run, normalized, each with the first frame of
    the given package that issued it."""

    def __init__(self, package, trace=None):
        self.package = package
        self.trace = trace
        self.traced = 0
        self.counter = Counter()
        self.times = Counter()
        self.original = Cursor.execute

    def __enter__(self):
        log = self

        def execute(cursor, query, params=None, log_exceptions=True):
            text = query.code if hasattr(query, "code") else str(query)
            full = NUMBERS.sub("?", " ".join(text.split()))
            text = full[:150]
            where = ""
            if log.package:
                stack = traceback.extract_stack(limit=60)[:-1]
                for frame in reversed(stack):
                    if log.package in frame.filename:
                        where = f"{os.path.basename(frame.filename)}:{frame.name}"
                        break
                if log.trace and re.search(log.trace, full) and log.traced < 2:
                    log.traced += 1
                    print("--- trace of", full[:1000])
                    print("".join(traceback.format_list(stack[-25:])))
            log.counter[(where, text)] += 1
            started = time.perf_counter()
            try:
                return log.original(cursor, query, params, log_exceptions)
            finally:
                log.times[(where, text)] += time.perf_counter() - started

        Cursor.execute = execute
        return self

    def __exit__(self, *exc):
        Cursor.execute = self.original

    def total(self):
        return sum(self.counter.values())


def report(label, count, elapsed, log, profile, args):
    print(f"\n=== {label}: {count} items, {count / elapsed:,.1f} /s, "
          f"{elapsed / count * 1000:.1f} ms and "
          f"{log.total() / count:.1f} queries per item ===")  # fmt: skip
    print(f"per item: count, ms   ({sum(log.times.values()) / count * 1000:.1f} ms"
          " in SQL)")  # fmt: skip
    for key, spent in log.times.most_common(args.queries):
        where, text = key
        print(f"{log.counter[key] / count:6.2f} {spent / count * 1000:6.2f}  "
              f"{where[:40]:40}  {text[:100]}")  # fmt: skip
    if profile:
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
        stats.print_stats(args.focus, args.functions)
        print("\n".join(line for line in out.getvalue().splitlines()[6:] if line))


def run(side, what, args):
    mails = compare.make_mails(args.count, to_alias=what != "floor")
    package = "support_desk" if side.label == "Ours" else "helpdesk_mgmt"
    with side.cursor() as cr:
        env = side.env(cr)
        if what == "floor":
            raws = list(mails(side))
            contacts = env["res.partner"].create(
                [{"name": f"Bench floor {n}"} for n in range(len(raws))]
            )
            items = [
                ("res.partner", raw, c.id)
                for raw, c in zip(raws, contacts, strict=True)
            ]
        elif what == "mail":
            items = [(side.model, raw, None) for raw in mails(side)]
        else:
            items = [side.vals(n) for n in range(args.count)]
        env.flush_all()
        profile = cProfile.Profile() if args.functions else None
        if args.frames == "none":
            package = None
        elif args.frames == "odoo":
            package = "odoo"
        with QueryLog(package, args.trace) as log:
            started = time.perf_counter()
            if profile:
                profile.enable()
            if what in ("mail", "floor"):
                side.process_mails(env, items)
            elif what == "create":
                for vals in items:
                    env[side.model].create(vals)
                env.flush_all()
            else:
                env[side.model].create(items)
                env.flush_all()
            if profile:
                profile.disable()
            elapsed = time.perf_counter() - started
        report(f"{side.label} {what}", len(items), elapsed, log, profile, args)
        cr.rollback()


def main():
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    odoo_args, own = argv[:split], argv[split + 1 :]
    parser = argparse.ArgumentParser()
    parser.add_argument("--ours", required=True)
    parser.add_argument("--oca", required=True)
    parser.add_argument("--what", default="mail,floor")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--queries", type=int, default=25)
    parser.add_argument("--functions", type=int, default=40)
    parser.add_argument("--focus", default="", help="regex on profiled files")
    parser.add_argument("--frames", default="addon", choices=("addon", "odoo", "none"))
    parser.add_argument("--trace", help="print the stack of queries matching")
    parser.add_argument("--side", default="ours,oca")
    args = parser.parse_args(own)
    config.parse_config(odoo_args)
    sides = {"ours": compare.Ours(args.ours), "oca": compare.Oca(args.oca)}
    for name in args.side.split(","):
        sides[name].setup()
    for what in args.what.split(","):
        for name in args.side.split(","):
            run(sides[name], what, args)


if __name__ == "__main__":
    main()
