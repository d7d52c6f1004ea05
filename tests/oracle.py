#!/usr/bin/env python3
"""An independent statement of the contract, for the tests to compare with.

  oracle.py expect FIXTURE USER [PAGE PER_PAGE]
      print the body docs/api.md says /USER must answer when GitHub holds the
      gists of FIXTURE (the whole list, or one page of it)
  oracle.py expect-url DOUBLE USER [SINCE]
      print the whole-listing body for USER built from every page the
      GitHub double at DOUBLE serves (100 a page, as GitHub pages)
  oracle.py same EXPECTED ACTUAL
      exit 0 when the two JSON files hold the same value: same members,
      same order of array items, strings equal to the byte; else print
      the first difference and exit 1
  oracle.py get FILE PATH...
      print the value at PATH (keys and indices) of a JSON file
"""
import json
import sys
import urllib.parse
import urllib.request


def compact(gist):
    """One gist in the compact schema of docs/api.md."""
    return {
        "id": gist["id"],
        "description": gist.get("description"),
        "html_url": gist["html_url"],
        "public": gist["public"],
        "created_at": gist["created_at"],
        "updated_at": gist["updated_at"],
        "comments": gist["comments"],
        "files": [
            {
                "filename": f["filename"],
                "language": f.get("language"),
                "type": f.get("type"),
                "size": f["size"],
                "raw_url": f["raw_url"],
            }
            for f in gist["files"].values()
        ],
    }


def expect(fixture, user, page=None, per_page=None):
    with open(fixture, encoding="utf-8") as fp:
        gists = json.load(fp)
    body = {"user": user}
    if page is not None:
        page, per_page = int(page), int(per_page)
        gists = gists[(page - 1) * per_page: page * per_page]
        body["page"] = page
        body["per_page"] = per_page
    body["count"] = len(gists)
    body["gists"] = [compact(g) for g in gists]
    return body


def expect_url(double, user, since=None):
    """The whole listing, page by page, straight from the double."""
    gists, page = [], 1
    while True:
        query = {"per_page": 100, "page": page}
        if since:
            query["since"] = since
        req = urllib.request.Request(
            "%s/users/%s/gists?%s" % (double, user,
                                      urllib.parse.urlencode(query)),
            headers={"User-Agent": "oracle"})
        with urllib.request.urlopen(req) as resp:
            items = json.load(resp)
        gists += items
        if len(items) < 100:
            break
        page += 1
    return {"user": user, "count": len(gists),
            "gists": [compact(g) for g in gists]}


def diff(want, got, path="$"):
    """The first difference between two JSON values, or None."""
    if type(want) is not type(got):
        return "%s: type %s, want %s" % (path, type(got).__name__,
                                          type(want).__name__)
    if isinstance(want, dict):
        if list(want) != list(got):
            return "%s: members %s, want %s" % (path, list(got), list(want))
        for key in want:
            d = diff(want[key], got[key], "%s.%s" % (path, key))
            if d:
                return d
    elif isinstance(want, list):
        if len(want) != len(got):
            return "%s: %d items, want %d" % (path, len(got), len(want))
        for i, (w, g) in enumerate(zip(want, got)):
            d = diff(w, g, "%s[%d]" % (path, i))
            if d:
                return d
    elif want != got:
        return "%s: %r, want %r" % (path, got, want)
    return None


def main(argv):
    if len(argv) >= 3 and argv[0] == "expect":
        json.dump(expect(*argv[1:]), sys.stdout, ensure_ascii=False)
        print()
        return 0
    if len(argv) in (3, 4) and argv[0] == "expect-url":
        json.dump(expect_url(*argv[1:]), sys.stdout, ensure_ascii=False)
        print()
        return 0
    if len(argv) == 3 and argv[0] == "same":
        with open(argv[1], encoding="utf-8") as fp:
            want = json.load(fp)
        with open(argv[2], encoding="utf-8") as fp:
            got = json.load(fp)
        d = diff(want, got)
        if d:
            print(d)
            return 1
        return 0
    if len(argv) >= 2 and argv[0] == "get":
        with open(argv[1], encoding="utf-8") as fp:
            value = json.load(fp)
        for key in argv[2:]:
            value = value[int(key)] if isinstance(value, list) else value[key]
        print(value if isinstance(value, str) else json.dumps(value))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
