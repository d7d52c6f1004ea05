#!/usr/bin/env python3
"""The clients and the table of bench/budget.sh (issue 21's budget).

  budget-client.py run BASE DOUBLE SECONDS
      HOT hot users (gen-5-hotI-STAMP), each asked by a client of its own
      every HOT_INTERVAL s, and a new user (gen-3-newI-STAMP) asked once
      every NEW_EVERY s, for SECONDS; then reads the double's books. Every
      answer's status, Age, X-Cache and Cache-Status is recorded. Prints
      one JSON object of figures. BENCH_BUDGET_HOT (5),
      BENCH_BUDGET_HOT_INTERVAL (0.1) and BENCH_BUDGET_NEW_EVERY (5) shape
      the load.
  budget-client.py table LABEL=FILE...
      the figures of each run (FILE: run's output), one column a LABEL,
      as a Markdown table
"""
import http.client
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from client import Client, control, percentile, run_threads  # noqa: E402

HOT = int(os.environ.get("BENCH_BUDGET_HOT", "5"))
HOT_INTERVAL = float(os.environ.get("BENCH_BUDGET_HOT_INTERVAL", "0.1"))
NEW_EVERY = float(os.environ.get("BENCH_BUDGET_NEW_EVERY", "5"))


def answer(client, path):
    """One answer: (status, Age or 0, X-Cache, Cache-Status); status 0
    for no answer at all (a connection error or timeout)."""
    try:
        status, head = client.ask(path)
    except (http.client.HTTPException, OSError) as e:
        return 0, 0, type(e).__name__, ""
    age = head.get("Age", "0")
    return (status, int(age) if age.isdigit() else 0,
            head.get("X-Cache", ""), head.get("Cache-Status", ""))


def stale(xcache, cache_status):
    """Answered from a copy past its TTL (served while revalidating, or
    because GitHub failed or the budget was spent)."""
    if xcache in ("UPDATING", "STALE"):
        return True
    for part in cache_status.split(";"):
        part = part.strip()
        if part.startswith("ttl=-"):
            return True
    return False


def run(base, double, seconds):
    seconds = float(seconds)
    stamp = int(time.time())
    hot_users = ["gen-5-hot%d-%d" % (i, stamp) for i in range(1, HOT + 1)]
    lock = threading.Lock()
    hot = []     # (status, age, xcache, cache_status)
    new = []     # (user, status, xcache, seconds)
    start = time.monotonic()
    deadline = start + seconds

    def hot_client(i):
        c = Client(base, retry=False)
        path = "/" + hot_users[i]
        due = time.monotonic()
        while due < deadline:
            got = answer(c, path)
            with lock:
                hot.append(got)
            due += HOT_INTERVAL
            time.sleep(max(0.0, due - time.monotonic()))

    def new_user(user):
        t0 = time.monotonic()
        status, _, xcache, _ = answer(Client(base, retry=False), "/" + user)
        with lock:
            new.append((user, status, xcache, time.monotonic() - t0))

    def newcomer(_):
        asked = []
        n = 0
        while start + n * NEW_EVERY < deadline:
            time.sleep(max(0.0, start + n * NEW_EVERY - time.monotonic()))
            n += 1
            t = threading.Thread(target=new_user,
                                 args=("gen-3-new%d-%d" % (n, stamp),))
            t.start()
            asked.append(t)
        for t in asked:
            t.join()

    def client(i):
        if i < HOT:
            hot_client(i)
        else:
            newcomer(i)

    run_threads(client, HOT + 1)
    stats = json.loads(control(double, "GET", "/_double/stats"))
    requests = json.loads(control(double, "GET", "/_double/requests"))
    print(json.dumps(figures(hot_users, hot, new, stats, requests)))


def figures(hot_users, hot, new, stats, requests):
    """The run's figures from its answers and the double's books."""
    asked = {}
    for r in requests:
        login = r["path"].strip("/").split("/")[1]
        asked[login] = asked.get(login, 0) + 1
    # a hot user's first request is its miss; the rest refresh it
    hot_refresh = sum(max(0, asked.get(u, 0) - 1) for u in hot_users)
    ok = [a for a in hot if a[0] == 200]
    ages = [a[1] for a in ok] or [0]
    xcache = {}
    for a in hot:
        xcache[a[2] or "-"] = xcache.get(a[2] or "-", 0) + 1
    new_status = {}
    for n in new:
        new_status[str(n[1])] = new_status.get(str(n[1]), 0) + 1
    served = [n for n in new if n[1] == 200]
    return {
        "new_users": len(new),
        "new_served": len(served),
        "new_errored": len(new) - len(served),
        "new_status": new_status,
        "new_wait_max": max([n[3] for n in new] or [0]),
        "github_requests": stats["requests"],
        "github_refused": stats["refused"],
        "hot_refresh": hot_refresh,
        "new_requests": sum(v for k, v in asked.items()
                            if k.startswith("gen-3-new")),
        "refused_in_flight": [r["in_flight"] for r in requests
                              if r.get("refused")],
        "hot_answers": len(hot),
        "hot_errored": len(hot) - len(ok),
        "hot_stale": sum(1 for a in ok if stale(a[2], a[3])),
        "hot_xcache": xcache,
        "age_p50": percentile(ages, 50),
        "age_p99": percentile(ages, 99),
        "age_max": max(ages),
        "windows": [(w["remaining"], w["closed"], w["used"], w["refused"])
                    for w in stats["windows"]],
    }


ROWS = (
    ("new users served / errored",
     lambda f: "%d / %d" % (f["new_served"], f["new_errored"])),
    ("new users' answers", lambda f: " ".join(
        "%s=%d" % kv for kv in sorted(f["new_status"].items()))),
    ("new users' longest wait, s", lambda f: "%.1f" % f["new_wait_max"]),
    ("GitHub requests sent / refused",
     lambda f: "%d / %d" % (f["github_requests"], f["github_refused"])),
    ("of which hot refreshes / new users",
     lambda f: "%d / %d" % (f["hot_refresh"], f["new_requests"])),
    ("GitHub's requests in flight at each refusal", lambda f: ", ".join(
        str(n) for n in f["refused_in_flight"]) or "-"),
    ("hot answers (errors)",
     lambda f: "%d (%d)" % (f["hot_answers"], f["hot_errored"])),
    ("hot answers past the TTL", lambda f: "%d (%.0f%%)" % (
        f["hot_stale"], 100.0 * f["hot_stale"] / max(1, f["hot_answers"]))),
    ("hot X-Cache", lambda f: " ".join(
        "%s=%d" % kv for kv in sorted(f["hot_xcache"].items()))),
    ("hot Age p50 / p99 / max, s",
     lambda f: "%d / %d / %d" % (f["age_p50"], f["age_p99"], f["age_max"])),
    ("budget left at each reset", lambda f: ", ".join(
        "%d%s" % (w[0], "" if w[1] else " (open)") for w in f["windows"])),
)


def table(pairs):
    labels, runs = [], []
    for pair in pairs:
        label, path = pair.split("=", 1)
        labels.append(label)
        with open(path, encoding="utf-8") as fp:
            runs.append(json.load(fp))
    print("| | " + " | ".join(labels) + " |")
    print("| --- |" + " ---: |" * len(labels))
    for name, cell in ROWS:
        print("| %s | %s |" % (name, " | ".join(cell(f) for f in runs)))


def main(argv):
    if len(argv) == 4 and argv[0] == "run":
        run(*argv[1:])
    elif len(argv) >= 2 and argv[0] == "table":
        table(argv[1:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
