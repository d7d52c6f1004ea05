#!/usr/bin/env python3
"""Load generators for bench/run.sh, on keep-alive HTTP/1.1 connections.

  client.py miss BASE DOUBLE N      N users that miss: the service's time
                                    and the double's own time for the same
                                    user; prints p50/p99 of both and of the
                                    difference, in ms
  client.py flood BASE PATH N C     N requests for PATH, C at a time;
                                    prints the status counts and
                                    retried=N, the requests asked again
                                    after a connection error
  client.py fill BASE PREFIX N C    GET /PREFIX-1 .. /PREFIX-N, C at a time
                                    (counts and retried=N as flood)
  client.py spread N USERS C PREFIX BASE...
                                    N requests over /PREFIX-1 ..
                                    /PREFIX-USERS (each as often), in a
                                    shuffled order, C at a time, round
                                    robin over the BASEs; prints the
                                    status counts
  client.py until STOPFILE BASE C PATH...
                                    C clients, each asking for the PATHs
                                    in turn until STOPFILE exists, never
                                    asking again after an error; prints
                                    the status counts (error=N: no
                                    answer)
  client.py soak BASE SECONDS C USERS
                                    C clients for SECONDS, each asking for
                                    one of USERS distinct users (gen-20-sN)
                                    at random, with some unknown users and
                                    malformed paths; prints the counts of
                                    answers as expected / unexpected
  client.py waiter FETCHER WAITER DOUBLE N
                                    N cold users, each asked of FETCHER
                                    while the double holds its fetch,
                                    then of WAITER (two instances on one
                                    Redis) once it waits for FETCHER's
                                    fetch, then released: prints p50/p99/
                                    max of WAITER's answer after
                                    FETCHER's, in ms
"""
import json
import os
import random
import http.client
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

HEADERS = {"User-Agent": "gists-bench", "Accept": "application/json"}
# Requests asked again after a connection error: a request the server
# dropped, answered on the second try, shows here and not as a failure.
RETRIED = [0]
RETRIED_LOCK = threading.Lock()


class Client:
    """One keep-alive connection; reconnects when the server closes, and
    asks once more after a connection error unless retry is False."""

    def __init__(self, base, retry=True):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port
        self.conn = None
        self.attempts = (1, 2) if retry else (2,)

    def get(self, path):
        return self.ask(path)[0]

    def ask(self, path):
        """GET path: (status, the answer's headers as a Message)."""
        for attempt in self.attempts:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port,
                                                       timeout=60)
            try:
                self.conn.request("GET", path, headers=HEADERS)
                resp = self.conn.getresponse()
                resp.read()
                return resp.status, resp.msg
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                with RETRIED_LOCK:
                    RETRIED[0] += 1
        return 0, None


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def miss(base, double, n):
    svc, dbl = Client(base), Client(double)
    stamp = int(time.time())
    t_svc, t_dbl, added = [], [], []
    for i in range(int(n)):
        user = "gen-30-miss%d-%d" % (stamp, i)
        t0 = time.perf_counter()
        status_d = dbl.get("/users/%s/gists?per_page=100&page=1" % user)
        t1 = time.perf_counter()
        status_s = svc.get("/" + user)
        t2 = time.perf_counter()
        if status_d != 200 or status_s != 200:
            raise SystemExit("unexpected status %d/%d" % (status_d, status_s))
        t_dbl.append((t1 - t0) * 1000)
        t_svc.append((t2 - t1) * 1000)
        added.append(t_svc[-1] - t_dbl[-1])
    for name, v in (("service", t_svc), ("double", t_dbl), ("added", added)):
        print("%s p50=%.3f p99=%.3f" % (name, percentile(v, 50),
                                        percentile(v, 99)))


def control(double, method, path, body=None):
    """The double's control API (or a GET of any URL's path): the body."""
    url = urllib.parse.urlsplit(double)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    conn.request(method, path, body=body,
                 headers={"Content-Type": "application/json"})
    data = conn.getresponse().read()
    conn.close()
    return data


def wait_for(what, check):
    for _ in range(3000):
        if check():
            return
        time.sleep(0.01)
    raise SystemExit("waiter: %s never happened" % what)


def waits(base):
    for line in control(base, "GET", "/-/metrics").decode().splitlines():
        if line.startswith("gists_redis_waits_total "):
            return int(line.split()[1])
    return 0


def waiter(fetcher, waiting, double, n):
    stamp = int(time.time())
    added = []
    for i in range(int(n)):
        user = "gen-2-wait%d-%d" % (stamp, i)
        ends = {}

        def ask(name, base):
            status = Client(base).get("/" + user)
            ends[name] = (time.perf_counter(), status)

        control(double, "POST", "/_double/fault",
                json.dumps({"user": user, "mode": "hold", "times": 1}))
        first = threading.Thread(target=ask, args=("f", fetcher))
        first.start()
        wait_for("the held fetch", lambda: json.loads(
            control(double, "GET", "/_double/stats"))["in_flight"] >= 1)
        before = waits(waiting)
        second = threading.Thread(target=ask, args=("w", waiting))
        second.start()
        wait_for("the wait", lambda: waits(waiting) > before)
        control(double, "POST", "/_double/release")
        first.join()
        second.join()
        if ends["f"][1] != 200 or ends["w"][1] != 200:
            raise SystemExit("unexpected status %d/%d" % (ends["f"][1],
                                                          ends["w"][1]))
        added.append((ends["w"][0] - ends["f"][0]) * 1000)
    print("waiter p50=%.3f p99=%.3f max=%.3f" % (
        percentile(added, 50), percentile(added, 99), max(added)))


def run_parallel(base, paths, concurrency):
    local = threading.local()
    counts = {}
    lock = threading.Lock()

    def one(path):
        if not hasattr(local, "client"):
            local.client = Client(base)
        status = local.client.get(path)
        with lock:
            counts[status] = counts.get(status, 0) + 1

    with ThreadPoolExecutor(max_workers=int(concurrency)) as pool:
        list(pool.map(one, paths))
    return counts


def spread(n, users, concurrency, prefix, bases):
    """n requests over users users, shuffled, spread over bases."""
    paths = ["/%s-%d" % (prefix, 1 + i % int(users)) for i in range(int(n))]
    random.Random(1).shuffle(paths)
    local = threading.local()
    counts = {}
    lock = threading.Lock()
    turn = [0]

    def one(path):
        if not hasattr(local, "clients"):
            with lock:
                turn[0] += 1
                first = turn[0]
            local.clients = [Client(b) for b in bases]
            local.i = first
        local.i += 1
        status = local.clients[local.i % len(bases)].get(path)
        with lock:
            counts[status] = counts.get(status, 0) + 1

    with ThreadPoolExecutor(max_workers=int(concurrency)) as pool:
        list(pool.map(one, paths))
    print(" ".join("%s=%d" % kv for kv in sorted(counts.items())))


def soak(base, seconds, concurrency, users):
    """Mixed traffic until the deadline; every answer checked."""
    deadline = time.time() + float(seconds)
    lock = threading.Lock()
    tally = {"expected": 0, "unexpected": 0}
    samples = []

    def client(seed):
        rnd = random.Random(seed)
        c = Client(base)
        while time.time() < deadline:
            roll = rnd.random()
            if roll < 0.9:
                path, want = "/gen-20-s%d" % rnd.randrange(int(users)), 200
            elif roll < 0.95:
                path, want = "/nobody-%d" % rnd.randrange(100), 404
            else:
                path, want = "/%%2e%%2e/x%d" % rnd.randrange(100), 400
            try:
                status = c.get(path)
            except (http.client.HTTPException, OSError) as e:
                status = -1
                path += " (%s)" % e
            with lock:
                key = "expected" if status == want else "unexpected"
                tally[key] += 1
                if key == "unexpected" and len(samples) < 5:
                    samples.append("%s -> %d" % (path, status))

    run_threads(client, concurrency)
    print("expected=%d unexpected=%d %s" % (tally["expected"],
                                           tally["unexpected"],
                                           " ".join(samples)))


def run_threads(target, n):
    """target(i) on n threads at once, i = 0 .. n-1; wait for all."""
    threads = [threading.Thread(target=target, args=(i,))
               for i in range(int(n))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def until(stopfile, base, concurrency, paths):
    """Load until STOPFILE exists; every answer and error counted once."""
    lock = threading.Lock()
    counts = {}

    def client(i):
        c = Client(base, retry=False)
        n = i
        while not os.path.exists(stopfile):
            path = paths[n % len(paths)]
            n += 1
            try:
                key = str(c.get(path))
            except (http.client.HTTPException, OSError):
                key = "error"
            with lock:
                counts[key] = counts.get(key, 0) + 1

    run_threads(client, concurrency)
    print(" ".join("%s=%d" % kv for kv in sorted(counts.items())))


def main(argv):
    if len(argv) == 4 and argv[0] == "miss":
        miss(*argv[1:])
    elif len(argv) > 5 and argv[0] == "spread":
        spread(argv[1], argv[2], argv[3], argv[4], argv[5:])
    elif len(argv) == 5 and argv[0] == "flood":
        counts = run_parallel(argv[1], [argv[2]] * int(argv[3]), argv[4])
        print(" ".join("%d=%d" % kv for kv in sorted(counts.items())),
              "retried=%d" % RETRIED[0])
    elif len(argv) == 5 and argv[0] == "fill":
        paths = ["/%s-%d" % (argv[2], i) for i in range(1, int(argv[3]) + 1)]
        counts = run_parallel(argv[1], paths, argv[4])
        print(" ".join("%d=%d" % kv for kv in sorted(counts.items())),
              "retried=%d" % RETRIED[0])
    elif len(argv) > 4 and argv[0] == "until":
        until(argv[1], argv[2], argv[3], argv[4:])
    elif len(argv) == 5 and argv[0] == "waiter":
        waiter(*argv[1:])
    elif len(argv) == 5 and argv[0] == "soak":
        soak(*argv[1:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
