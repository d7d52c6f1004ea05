#!/usr/bin/env python3
"""A GitHub REST API test double for GET /users/{user}/gists.

It behaves like api.github.com where the service depends on it (see
tests/fixtures/README.md): a User-Agent is required, per_page defaults to
30 and is capped at 100, Link headers use the numeric-id form, ETags and
If-None-Match give 304, and it keeps GitHub's books: each identity (the
client's address without a token, else the token) has so many requests a
window, counted down in the rate-limit headers; a 304 is free only to a
request with Authorization; a request past the budget gets GitHub's 403
and is recorded as refused. It records every request so tests can assert
what was sent and how many requests a scenario cost, and it can be told
to fail.

  github-double.py [--bind ADDR] [--port N] [--tls CERT KEY] PORTFILE
                   [FIXTURES_DIR]

binds 127.0.0.1 (or ADDR) on a free port (or N), speaking HTTPS with
--tls, and writes the port to PORTFILE once it listens.

Users: octocat (fixtures/octocat-gists.json), mallory (hostile-gists.json),
gen-N (N generated gists, e.g. gen-250; gen-N-x for as many distinct users
of N gists as you like), empty (no gists); any other login is 404. Control, all JSON:
  GET  /_double/requests      what was asked, oldest first: method, path,
                               query, headers, time, in_flight (with
                               this one, when it came), refused (true
                               when past the budget)
  GET  /_double/stats         {"requests", "max_in_flight", "in_flight",
                               "refused": requests refused for a spent
                               budget, "windows": [{"identity", "start",
                               "reset", "limit", "used", "remaining",
                               "refused", "closed"}, ...] every window
                               of the books, oldest first}
  POST /_double/reset         forget requests, faults, limits and edits
  POST /_double/forget        forget the recorded requests only
  POST /_double/fault         {"user": login or "*", "mode": ..., "page": N,
                               "times": N, ...}; modes: status (status,
                               body), ratelimit (reset_in), secondary
                               (status 403|429, retry_after), slow (delay),
                               trickle (delay), garbage, truncated, huge
                               (size), object, reset, invalid_utf8, nested,
                               nolast (Link without "last"; delay: seconds
                               a page), fat (valid pages of about size
                               bytes of gists with long file names, pages:
                               how many, default 30),
                               hold (answer normally once released, or
                               after timeout s, default 60)
  POST /_double/release       let every request held so far go on (so a
                              test decides when GitHub answers, instead
                              of racing a delay); reset releases too
  POST /_double/config        {"latency": s, "limit": n, "token_limit": n,
                               "window": s}: limit requests a window for
                               a caller without a token (default 60),
                               token_limit with one (5000), the window's
                               length (3600 s: GitHub's hour; applies to
                               windows opened afterwards)
  POST /_double/clock         {"advance": s}: the books' clock (windows,
                               X-RateLimit-Reset) jumps s seconds ahead,
                               so a test sees a window end without
                               waiting for it
  POST /_double/user          {"login", "gists": [...]} or {"login",
                               "count": N}: add or replace a user
  POST /_double/edit          {"login", "index": i, "description": d}:
                               change one gist of a user added so
"""
import hashlib
import json
import os
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "fixtures")
DOCS = "https://docs.github.com/rest/gists/gists#list-gists-for-a-user"


def generated_gists(login, n, user_id):
    """n gists, newest first, shaped like GitHub's."""
    gists = []
    for i in range(n):
        gid = "%020x" % (user_id * 100000 + n - i)
        day = 1 + (n - i) % 28
        month = 1 + (n - i) // 28 % 12
        stamp = "20%02d-%02d-%02dT12:00:00Z" % (10 + (n - i) // 336 % 15,
                                                 month, day)
        name = "file-%d.txt" % (n - i)
        gists.append({
            "url": "https://api.github.com/gists/" + gid,
            "id": gid,
            "node_id": "G_" + gid,
            "html_url": "https://gist.github.com/%s/%s" % (login, gid),
            "files": {name: {
                "filename": name, "type": "text/plain", "language": "Text",
                "raw_url": "https://gist.githubusercontent.com/%s/%s/raw/%s"
                           % (login, gid, name),
                "size": n - i}},
            "public": True,
            "created_at": stamp,
            "updated_at": stamp,
            "description": "gist number %d of %s" % (n - i, login),
            "comments": 0,
            "user": None,
            "owner": {"login": login, "id": user_id},
            "truncated": False,
        })
    return gists


class State:
    """Everything the double knows; one lock guards it."""

    def __init__(self, fixtures):
        self.lock = threading.Lock()
        self.released = threading.Condition(self.lock)
        self.releases = 0  # held requests wait for this to change
        # reset() starts a generation: a request of an earlier one that
        # ends afterwards does not count down the new in_flight
        self.generation = 0
        self.fixtures = fixtures
        self.reset()

    def reset(self):
        with self.lock:
            self.releases += 1
            self.released.notify_all()
            self.generation += 1
            self.requests = []
            self.faults = []
            self.in_flight = 0
            self.max_in_flight = 0
            self.latency = 0.0
            self.limit = 60  # a window's requests without a token
            self.token_limit = 5000  # with one
            self.window = 3600  # seconds: GitHub's hour
            self.clock_offset = 0.0  # /_double/clock's advance
            self.windows = []  # every window of the books, oldest first
            self.open = {}  # identity: its window, until it ends
            self.refused = 0
            self.users = {}
            for login, name, uid in (("octocat", "octocat-gists.json", 583231),
                                     ("mallory", "hostile-gists.json", 4242)):
                with open(os.path.join(self.fixtures, name),
                          encoding="utf-8") as fp:
                    self.users[login] = (uid, json.load(fp))
            self.users["empty"] = (1, [])
            self.fat = {}

    def user(self, login):
        """(id, gists) of a login, or None."""
        login = login.lower()
        with self.lock:
            if login in self.users:
                return self.users[login]
        # gen-N, or gen-N-anything (distinct users of N gists each)
        parts = login.split("-", 2)
        if len(parts) >= 2 and parts[0] == "gen" and parts[1].isdigit():
            n = int(parts[1])
            if n <= 100000:
                uid = 2000000 + n if len(parts) == 2 else \
                    int(hashlib.sha256(login.encode()).hexdigest()[:8], 16)
                return (uid, generated_gists(login, n, uid))
        return None

    def user_by_id(self, uid):
        with self.lock:
            for login, (i, _) in self.users.items():
                if i == uid:
                    return login
        if uid > 2000000:
            return "gen-%d" % (uid - 2000000)
        return None

    def now(self):
        """The books' clock: epoch seconds, advanced by /_double/clock.
        Called with the lock held."""
        return time.time() + self.clock_offset

    def window_of(self, identity, token):
        """identity's current window, opened at its first request after
        the last one ended (GitHub's rule). Called with the lock held."""
        self.close_ended()
        win = self.open.get(identity)
        if win is None:
            start = int(self.now())
            win = {"identity": identity, "token": token, "start": start,
                   "reset": start + self.window, "used": 0, "refused": 0,
                   "closed": False}
            self.open[identity] = win
            self.windows.append(win)
        return win

    def close_ended(self):
        """Close the windows whose reset has come. Lock held."""
        now = self.now()
        for identity, win in list(self.open.items()):
            if now >= win["reset"]:
                win["limit"] = self.limit_of(win)
                win["closed"] = True
                del self.open[identity]

    def limit_of(self, win):
        """A window's limit: a closed one keeps its own, an open one
        follows /_double/config. Lock held."""
        if win["closed"]:
            return win["limit"]
        return self.token_limit if win["token"] else self.limit

    def charge(self, identity, token, cost):
        """Book a request of identity costing cost (0 or 1): (used,
        limit, reset, refused); refused when it would go past the
        budget, which it then does not spend."""
        with self.lock:
            win = self.window_of(identity, token)
            limit = self.limit_of(win)
            refused = cost > 0 and win["used"] + cost > limit
            if refused:
                win["refused"] += 1
                self.refused += 1
            else:
                win["used"] += cost
            return win["used"], limit, win["reset"], refused

    def books(self):
        """The windows for /_double/stats. Lock held."""
        self.close_ended()
        out = []
        for win in self.windows:
            limit = self.limit_of(win)
            out.append({"identity": win["identity"], "start": win["start"],
                        "reset": win["reset"], "limit": limit,
                        "used": win["used"],
                        "remaining": max(0, limit - win["used"]),
                        "refused": win["refused"], "closed": win["closed"]})
        return out

    def take_fault(self, login, page):
        """The first fault that applies to this request, used up once."""
        with self.lock:
            for fault in self.faults:
                if fault.get("user", "*") not in ("*", login.lower()):
                    continue
                if "page" in fault and fault["page"] != page:
                    continue
                if fault.get("times", -1) == 0:
                    continue
                if fault.get("times", -1) > 0:
                    fault["times"] -= 1
                return fault
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    sys_version = ""
    # Buffer each answer and send it at once: unbuffered head and body
    # writes meet delayed ACKs and cost 40 ms a request.
    wbufsize = 65536
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet: tests read the records
        pass

    # -- plumbing ---------------------------------------------------------
    def send(self, status, body, headers=(), close=False):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        for name, value in headers:
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if status != 304 and self.command != "HEAD":
            self.wfile.write(body)

    def read_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}")

    # -- control ----------------------------------------------------------
    def do_POST(self):
        state = self.server.state
        if self.path == "/_double/reset":
            state.reset()
            return self.send(200, {"ok": True})
        if self.path == "/_double/release":
            with state.lock:
                state.releases += 1
                state.released.notify_all()
            return self.send(200, {"ok": True})
        if self.path == "/_double/forget":
            with state.lock:
                state.requests = []
            return self.send(200, {"ok": True})
        if self.path == "/_double/fault":
            with state.lock:
                state.faults.append(self.read_json())
            return self.send(200, {"ok": True})
        if self.path == "/_double/config":
            conf = self.read_json()
            with state.lock:
                state.latency = float(conf.get("latency", state.latency))
                state.limit = int(conf.get("limit", state.limit))
                state.token_limit = int(conf.get("token_limit",
                                                 state.token_limit))
                state.window = int(conf.get("window", state.window))
            return self.send(200, {"ok": True})
        if self.path == "/_double/clock":
            conf = self.read_json()
            with state.lock:
                state.clock_offset += float(conf.get("advance", 0))
            return self.send(200, {"ok": True})
        if self.path == "/_double/user":
            conf = self.read_json()
            login = conf["login"].lower()
            uid = conf.get("id", 3000000 + len(state.users))
            gists = conf.get("gists")
            if gists is None:
                gists = generated_gists(login, int(conf["count"]), uid)
            with state.lock:
                state.users[login] = (uid, gists)
            return self.send(200, {"ok": True})
        if self.path == "/_double/edit":
            conf = self.read_json()
            with state.lock:
                gist = state.users[conf["login"].lower()][1][conf["index"]]
                gist["description"] = conf["description"]
            return self.send(200, {"ok": True})
        return self.send(404, {"message": "Not Found"})

    def control_get(self):
        state = self.server.state
        with state.lock:
            if self.path == "/_double/requests":
                return self.send(200, state.requests)
            return self.send(200, {"requests": len(state.requests),
                                   "in_flight": state.in_flight,
                                   "max_in_flight": state.max_in_flight,
                                   "refused": state.refused,
                                   "windows": state.books()})

    # -- the API ----------------------------------------------------------
    def do_GET(self):
        if self.path.startswith("/_double/"):
            return self.control_get()
        state = self.server.state
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        with state.lock:
            state.in_flight += 1
            self.record = {
                "method": self.command, "path": url.path, "query": url.query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "time": time.time(), "in_flight": state.in_flight}
            state.requests.append(self.record)
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
            generation = state.generation
            latency = state.latency
        try:
            if latency:
                time.sleep(latency)
            self.api(url, query)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            with state.lock:
                if state.generation == generation:
                    state.in_flight -= 1

    def identity(self):
        """(who is charged, token?): the token of an Authorization
        header, else the client's address, as GitHub counts."""
        auth = self.headers.get("Authorization", "")
        for scheme in ("Bearer ", "token "):
            if auth.startswith(scheme) and auth[len(scheme):]:
                token = auth[len(scheme):].encode()
                return "token " + hashlib.sha256(token).hexdigest()[:12], True
        return self.client_address[0], False

    def rate_headers(self, identity, counted):
        """GitHub's rate-limit headers after booking this request (free
        unless counted), and whether it went past the budget."""
        state = self.server.state
        used, limit, reset, refused = state.charge(
            identity[0], identity[1], 1 if counted else 0)
        if refused:
            with state.lock:
                self.record["refused"] = True
        return [("X-RateLimit-Limit", str(limit)),
                ("X-RateLimit-Remaining", str(max(0, limit - used))),
                ("X-RateLimit-Reset", str(reset)),
                ("X-RateLimit-Used", str(used)),
                ("X-RateLimit-Resource", "core")], refused

    def api(self, url, query):
        state = self.server.state
        parts = url.path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "users" and parts[2] == "gists":
            login = parts[1]
        elif len(parts) == 3 and parts[0] == "user" and parts[2] == "gists" \
                and parts[1].isdigit():
            login = state.user_by_id(int(parts[1])) or "-"
        else:
            return self.send(404, {"message": "Not Found",
                                   "documentation_url": DOCS})

        if not self.headers.get("User-Agent"):
            return self.send(403, "Request forbidden by administrative rules. "
                             "Please make sure your request has a User-Agent "
                             "header (https://docs.github.com/en/rest/"
                             "overview/resources-in-the-rest-api#user-agent-"
                             "required).", close=True)
        identity = self.identity()

        try:
            page = int(query.get("page", ["1"])[-1])
            per_page = min(100, int(query.get("per_page", ["30"])[-1]))
        except ValueError:
            page, per_page = 1, 30
        page, per_page = max(1, page), max(1, per_page)

        fault = state.take_fault(login, page)
        if fault and self.fault(fault, identity):
            return

        found = state.user(login)
        inm = self.headers.get("If-None-Match")
        if found is None:
            headers, spent = self.rate_headers(identity, True)
            if spent:
                return self.rate_limited(headers, identity)
            return self.send(404, {"message": "Not Found",
                                   "documentation_url": DOCS,
                                   "status": "404"}, headers)
        uid, gists = found
        since = query.get("since", [None])[-1]
        if since:
            gists = [g for g in gists if g["updated_at"] >= since]
        items = gists[(page - 1) * per_page: page * per_page]
        body = json.dumps(items).encode()
        etag = '"%s"' % hashlib.sha256(body).hexdigest()
        not_modified = inm is not None and etag in [
            t.strip().removeprefix("W/") for t in inm.split(",")]
        # A 304 to an authorised conditional request costs nothing.
        headers, spent = self.rate_headers(identity,
                                           not (not_modified and identity[1]))
        if spent:
            return self.rate_limited(headers, identity)
        headers += [("ETag", etag), ("Cache-Control",
                                     "private, max-age=60, s-maxage=60"),
                    ("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")]
        last = max(1, -(-len(gists) // per_page))
        mode = fault["mode"] if fault else None
        link = self.link(uid, per_page, page, last, since,
                         with_last=mode != "nolast")
        if mode == "evil_link":
            link = link.replace("http://%s:%d" % self.server.server_address,
                                "https://evil.example")
        elif mode == "loop_link":
            link = '<http://%s:%d/user/%d/gists?per_page=%d&page=1>; ' \
                'rel="next"' % (self.server.server_address + (uid, per_page))
        elif mode == "huge_last":
            link = '<http://%s:%d/user/%d/gists?per_page=%d&page=%d>; ' \
                'rel="next", <http://%s:%d/user/%d/gists?per_page=%d&' \
                'page=%d>; rel="last"' % (
                    self.server.server_address + (uid, per_page, page + 1) +
                    self.server.server_address +
                    (uid, per_page, int(fault.get("last", 99999999))))
        if link:
            headers.append(("Link", link))
        if not_modified:
            return self.send(304, b"", headers)
        if fault and fault["mode"] == "trickle":
            return self.trickle(body, headers, float(fault.get("delay", 1)))
        return self.send(200, body, headers)

    def link(self, uid, per_page, page, last, since, with_last=True):
        base = "http://%s:%d/user/%d/gists?per_page=%d" % (
            self.server.server_address[0], self.server.server_address[1],
            uid, per_page)
        if since:
            base += "&since=" + urllib.parse.quote(since)
        rels = []
        if page < last:
            rels += [(page + 1, "next")]
            if with_last:
                rels += [(last, "last")]
        if page > 1:
            rels += [(page - 1, "prev"), (1, "first")]
        return ", ".join('<%s&page=%d>; rel="%s"' % (base, n, rel)
                         for n, rel in rels)

    def rate_limited(self, headers, identity):
        """GitHub's answer to a request past the primary rate limit."""
        who = "user ID 1." if identity[1] else identity[0] + \
            ". (But here's the good news: Authenticated requests get a " \
            "higher rate limit. Check out the documentation for more " \
            "details.)"
        return self.send(403, {
            "message": "API rate limit exceeded for " + who,
            "documentation_url": "https://docs.github.com/rest/overview/"
                                 "resources-in-the-rest-api#rate-limiting"},
            headers)

    def fat_page(self, fault):
        """A valid page of about fault["size"] bytes: 100 gists of many
        files with long names, the same on every page, of fault["pages"]
        pages (Link with next and last)."""
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        page = int(query.get("page", ["1"])[-1])
        pages = int(fault.get("pages", 30))
        size = int(fault.get("size", 9 * 1024 * 1024))
        state = self.server.state
        with state.lock:
            body = state.fat.get(size)
        if body is None:
            name = "f" * 200
            one = {"x" * 206: {"filename": "x" * 206, "type": "text/plain",
                               "language": "Text", "size": 99999,
                               "raw_url": "https://gist.githubusercontent."
                               "com/fat/%020x/raw/%s" % (0, "x" * 206)}}
            files_per_gist = max(1, (size - 30000) // 100 //
                                 (len(json.dumps(one)) + 2))
            gists = []
            for g in range(100):
                gid = "%020x" % (900000000 + g)
                files = {}
                for k in range(files_per_gist):
                    fname = "%s-%05d.txt" % (name, k)
                    files[fname] = {
                        "filename": fname, "type": "text/plain",
                        "language": "Text", "size": k,
                        "raw_url": "https://gist.githubusercontent.com/fat/"
                                   "%s/raw/%s" % (gid, fname)}
                gists.append({"id": gid, "description": "fat gist %d" % g,
                              "html_url": "https://gist.github.com/fat/" + gid,
                              "public": True,
                              "created_at": "2020-01-01T00:00:00Z",
                              "updated_at": "2020-01-01T00:00:00Z",
                              "comments": 0, "files": files})
            body = json.dumps(gists).encode()
            with state.lock:
                state.fat[size] = body
        base = "http://%s:%d/user/77/gists?per_page=100" % \
            self.server.server_address
        rels = []
        if page < pages:
            rels += ['<%s&page=%d>; rel="next"' % (base, page + 1),
                     '<%s&page=%d>; rel="last"' % (base, pages)]
        headers = [("ETag", '"fat-%d-%d"' % (size, page))]
        if rels:
            headers.append(("Link", ", ".join(rels)))
        self.send(200, body, headers)

    def trickle(self, body, headers, delay):
        self.send_response(200)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.flush()
        for i in range(0, len(body), 64):
            self.wfile.write(body[i:i + 64])
            self.wfile.flush()
            time.sleep(delay)

    def half_body(self, reset):
        """Promise octocat's list, send half of it, then close the
        connection (reset: with an RST, else a FIN)."""
        body = json.dumps(self.server.state.user("octocat")[1]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:len(body) // 2])
        self.wfile.flush()
        self.close_connection = True
        if reset:
            self.reset_connection()
        else:
            self.connection.shutdown(socket.SHUT_WR)

    def reset_connection(self):
        """Close with an RST (SO_LINGER 0) instead of a FIN."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.connection.close()

    def fault(self, fault, identity):
        """Answer as the fault says; False lets the request go on."""
        mode = fault["mode"]
        if mode == "slow":
            time.sleep(float(fault.get("delay", 5)))
            return False
        if mode == "nolast" and "delay" in fault:
            time.sleep(float(fault["delay"]))
        if mode == "hold":
            state = self.server.state
            with state.lock:
                seen = state.releases
                state.released.wait_for(lambda: state.releases != seen,
                                        float(fault.get("timeout", 60)))
            return False
        if mode in ("trickle", "nolast", "evil_link", "loop_link",
                    "huge_last"):
            return False
        if mode == "fat":
            self.fat_page(fault)
            return True
        if mode == "reset_mid":
            self.half_body(reset=True)
            return True
        if mode == "status":
            status = int(fault.get("status", 500))
            self.send(status, fault.get("body", {"message": "Server Error"}),
                      [(k, str(v)) for k, v in fault.get("headers", {}).items()])
            return True
        if mode == "ratelimit":
            headers, _ = self.rate_headers(identity, False)
            headers = [h for h in headers if h[0] not in (
                "X-RateLimit-Remaining", "X-RateLimit-Reset")]
            headers += [("X-RateLimit-Remaining", "0"),
                        ("X-RateLimit-Reset", str(int(time.time()) +
                                                  int(fault.get("reset_in",
                                                                120))))]
            self.rate_limited(headers, identity)
            return True
        if mode == "secondary":
            self.send(int(fault.get("status", 429)), {
                "message": "You have exceeded a secondary rate limit. Please "
                           "wait a few minutes before you try again.",
                "documentation_url": DOCS},
                [("Retry-After", str(fault.get("retry_after", 30)))])
            return True
        if mode == "garbage":
            self.send(200, b"<html><body>502 Bad Gateway</body></html>")
            return True
        if mode == "object":
            self.send(200, {"message": "this is not a list"})
            return True
        if mode == "invalid_utf8":
            self.send(200, b'[{"id":"\xff\xfe","description":"\xc3"}]')
            return True
        if mode == "nested":
            depth = int(fault.get("depth", 100000))
            self.send(200, b"[" * depth + b"]" * depth)
            return True
        if mode == "truncated":
            self.half_body(reset=False)
            return True
        if mode == "huge":
            size = int(fault.get("size", 16 * 1024 * 1024))
            chunk = b'"' + b"x" * 65534 + b'",'
            chunked = bool(fault.get("chunked"))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if chunked:  # no length up front: only a running count stops it
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(size + 2))
            self.end_headers()

            def write(data):
                if chunked:
                    data = b"%x\r\n%s\r\n" % (len(data), data)
                self.wfile.write(data)

            write(b"[")
            sent = 0
            while sent < size:
                piece = chunk[:min(len(chunk), size - sent)]
                write(piece)
                sent += len(piece)
            write(b"]")
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            return True
        if mode == "reset":
            self.close_connection = True
            self.reset_connection()
            return True
        self.send(500, {"message": "unknown fault mode %r" % mode})
        return True


class Server(ThreadingHTTPServer):
    # listen(2)'s backlog: the default of 5 drops the SYNs of a burst of
    # concurrent page requests, which then wait a second to retry
    request_queue_size = 256
    daemon_threads = True


def main(argv):
    bind, port, tls = "127.0.0.1", 0, None
    while len(argv) >= 2 and argv[0] in ("--bind", "--port", "--tls"):
        if argv[0] == "--bind":
            bind = argv[1]
        elif argv[0] == "--port":
            port = int(argv[1])
        else:
            tls = (argv[1], argv[2])
            argv = argv[1:]
        argv = argv[2:]
    if len(argv) < 1:
        print(__doc__, file=sys.stderr)
        return 2
    server = Server((bind, port), Handler)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.state = State(argv[1] if len(argv) > 1 else FIXTURES)
    tmp = argv[0] + ".tmp"
    with open(tmp, "w") as fp:
        fp.write(str(server.server_address[1]))
    os.rename(tmp, argv[0])
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
