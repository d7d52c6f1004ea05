#!/usr/bin/env python3
"""Clients for bench/derive.sh, on one keep-alive HTTP/1.1 connection.

  derive-client.py pages BASE USER PER_PAGE
      page through /USER, PER_PAGE at a time, until a short page; prints
      "requests=N gists=M xcache=..." (M distinct ids seen)
  derive-client.py since BASE USER N
      N requests /USER?since=... with N distinct times, a week apart from
      2010-01-01; prints "requests=N gists=M xcache=..."
  derive-client.py latency BASE PATH N
      N requests for PATH one after another; prints "p50=.. p99=.."
      (ms) and the X-Cache values seen
"""
import collections
import datetime
import http.client
import json
import sys
import time
import urllib.parse

HEADERS = {"User-Agent": "gists-bench", "Accept": "application/json"}


class Client:
    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port,
                                               timeout=120)
        self.xcache = collections.Counter()

    def get(self, path):
        self.conn.request("GET", path, headers=HEADERS)
        resp = self.conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise SystemExit("%s: HTTP %d" % (path, resp.status))
        self.xcache[resp.getheader("X-Cache")] += 1
        return body

    def seen(self):
        return ",".join("%s:%d" % kv for kv in sorted(self.xcache.items()))


def pages(base, user, per_page):
    c, ids, page = Client(base), set(), 1
    while True:
        body = json.loads(c.get("/%s?page=%d&per_page=%s" %
                                (user, page, per_page)))
        ids.update(g["id"] for g in body["gists"])
        if body["count"] < int(per_page):
            break
        page += 1
    print("requests=%d gists=%d xcache=%s" % (page, len(ids), c.seen()))


def since(base, user, n):
    c, total = Client(base), 0
    start = datetime.datetime(2010, 1, 1)
    for i in range(int(n)):
        when = (start + datetime.timedelta(weeks=i)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        total += json.loads(c.get("/%s?since=%s" % (user, when)))["count"]
    print("requests=%s gists=%d xcache=%s" % (n, total, c.seen()))


def latency(base, path, n):
    c, times = Client(base), []
    for _ in range(int(n)):
        t0 = time.perf_counter()
        c.get(path)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print("p50=%.3f p99=%.3f xcache=%s" % (
        times[len(times) // 2], times[min(len(times) - 1,
                                          int(len(times) * 0.99))],
        c.seen()))


def main(argv):
    modes = {"pages": pages, "since": since, "latency": latency}
    if len(argv) != 4 or argv[0] not in modes:
        print(__doc__, file=sys.stderr)
        return 2
    modes[argv[0]](*argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
