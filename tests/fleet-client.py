#!/usr/bin/env python3
"""Clients for tests/redis.bats: requests spread over several instances.

  fleet-client.py burst N LOGIN BASE...
      N requests for /LOGIN at once, spelled in a few ways (the login as
      written comes back), round robin over the BASEs; prints one JSON
      object: {"statuses": {...}, "wrong_user": n, "etags": {spelling:
      [distinct ETags]}, "bodies": {spelling: distinct bodies}}
  fleet-client.py load SECONDS C PREFIX USERS BASE...
      C clients for SECONDS, each asking for PREFIX-1..PREFIX-USERS at
      random of a BASE at random; prints the status counts as JSON
"""
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse

HEADERS = {"User-Agent": "gists-tests", "Accept": "application/json"}


def get(base, path):
    """One request on its own connection: (status, ETag, body)."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.request("GET", path, headers=HEADERS)
        r = conn.getresponse()
        return r.status, r.getheader("ETag"), r.read()
    except OSError as e:
        return "error: %s" % e, None, b""
    finally:
        conn.close()


def spellings(login):
    return [login, login.upper(), login[:1].upper() + login[1:]]


def burst(n, login, bases):
    names = spellings(login)
    results = [None] * n
    start = threading.Barrier(n)

    def one(i):
        name = names[i % len(names)]
        start.wait()
        results[i] = (name,) + get(bases[i % len(bases)], "/" + name)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = {"statuses": {}, "wrong_user": 0, "etags": {}, "bodies": {}}
    bodies = {}
    for name, status, etag, body in results:
        out["statuses"][str(status)] = out["statuses"].get(str(status), 0) + 1
        try:
            if json.loads(body)["user"] != name:
                out["wrong_user"] += 1
        except (ValueError, KeyError, TypeError):
            out["wrong_user"] += 1
        out["etags"].setdefault(name, set()).add(etag)
        bodies.setdefault(name, set()).add(body)
    out["etags"] = {k: sorted(v) for k, v in out["etags"].items()}
    out["bodies"] = {k: len(v) for k, v in bodies.items()}
    print(json.dumps(out))


def load(seconds, c, prefix, users, bases):
    counts = {}
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def client():
        while time.monotonic() < end:
            user = "%s-%d" % (prefix, random.randint(1, users))
            status = get(random.choice(bases), "/" + user)[0]
            with lock:
                counts[str(status)] = counts.get(str(status), 0) + 1

    threads = [threading.Thread(target=client) for _ in range(c)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(counts))


def main():
    if len(sys.argv) > 4 and sys.argv[1] == "burst":
        return burst(int(sys.argv[2]), sys.argv[3], sys.argv[4:])
    if len(sys.argv) > 6 and sys.argv[1] == "load":
        return load(float(sys.argv[2]), int(sys.argv[3]), sys.argv[4],
                    int(sys.argv[5]), sys.argv[6:])
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
