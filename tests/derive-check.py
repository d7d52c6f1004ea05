#!/usr/bin/env python3
"""Compare one answer of the service with what the GitHub double answers.

  derive-check.py DOUBLE USER QUERY BODY HEADERS

QUERY is the service's query string (page, per_page, since, any subset);
BODY and HEADERS are the service's answer to /USER?QUERY. The double is
asked the same question (per_page 30 and page 1 by default, as GitHub;
without page and per_page, every page of 100, as the whole listing is
fetched): the gists (every member, in order), the page and per_page
members and the Link rels (the pages they name, and that ours keep
per_page and since) must agree. Prints the first difference and exits 1,
or exits 0. Run it after counting the service's upstream requests: its
own requests to the double count too.
"""
import json
import re
import sys
import urllib.parse
import urllib.request

sys.path.insert(0, __import__("os").path.dirname(__file__))
import oracle  # noqa: E402  (the compact schema, stated independently)


def ask(double, user, query):
    """(items, {rel: page}) of one page the double serves."""
    req = urllib.request.Request(
        "%s/users/%s/gists?%s" % (double, user, urllib.parse.urlencode(query)),
        headers={"User-Agent": "derive-check"})
    with urllib.request.urlopen(req) as resp:
        return json.load(resp), rels(resp.headers.get("Link", ""))


def rels(link):
    """{rel: (page, per_page, since)} of a Link header."""
    out = {}
    for target, rel in re.findall(r'<([^>]*)>;\s*rel="([^"]*)"', link):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
        out[rel] = (int(q["page"][0]), int(q["per_page"][0]),
                    q.get("since", [None])[0])
    return out


def main(argv):
    double, user, qs, body_file, headers_file = argv
    q = urllib.parse.parse_qs(qs)
    since = q.get("since", [None])[0]
    paged = "page" in q or "per_page" in q
    with open(body_file, encoding="utf-8") as fp:
        body = json.load(fp)
    with open(headers_file, encoding="utf-8") as fp:
        link = "".join(line.split(":", 1)[1].strip() for line in fp
                       if line.lower().startswith("link:"))
    want = {"user": user}
    if paged:
        page = int(q.get("page", ["1"])[0])
        per_page = int(q.get("per_page", ["30"])[0])
        query = {"page": page, "per_page": per_page}
        if since:
            query["since"] = since
        items, want_rels = ask(double, user, query)
        want["page"], want["per_page"] = page, per_page
    else:
        items, page = [], 1
        while True:
            query = {"page": page, "per_page": 100}
            if since:
                query["since"] = since
            more, _ = ask(double, user, query)
            items += more
            if len(more) < 100:
                break
            page += 1
        want_rels = {}
    want["count"] = len(items)
    want["gists"] = [oracle.compact(g) for g in items]
    d = oracle.diff(want, body)
    if d:
        print("body: " + d)
        return 1
    got = rels(link)
    if {r: p[0] for r, p in got.items()} != \
            {r: p[0] for r, p in want_rels.items()}:
        print("Link: %r, want %r" % (got, want_rels))
        return 1
    for rel, (_, per_page, got_since) in got.items():
        if per_page != want.get("per_page") or got_since != since:
            print("Link %s: per_page %s since %s" % (rel, per_page,
                                                      got_since))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
