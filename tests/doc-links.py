#!/usr/bin/env python3
"""Check the relative links of Markdown files, as GitHub renders them.

    doc-links.py [-v] ROOT FILE.md...

Every link or image `[text](target)` (and reference definition
`[name]: target`) outside code, whose target has no scheme, must name a
file or directory that exists inside ROOT; a `#fragment` must name a
heading (GitHub's slug: lower case, punctuation but `-` and `_` dropped,
spaces made hyphens, `-1`, `-2` for repeats) or an `id`/`name` anchor of
the Markdown file it points into. Nothing is tolerated: a fragment into a
file that is not Markdown cannot be checked, so it is an error too.
Prints one line per broken link (FILE:LINE: what) and exits 1 if any;
-v prints how many links were checked.
"""
import os
import re
import sys
import unicodedata
import urllib.parse

FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]*)>?"
                  r"(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
HTML_ANCHOR = re.compile(r"<a\s[^>]*\b(?:id|name)=[\"']([^\"']+)[\"']", re.I)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")


def lines_outside_code(text):
    """Yield (line number, line) for the lines outside fenced code."""
    fence = None
    for n, line in enumerate(text.splitlines(), 1):
        m = FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)[0] * len(m.group(1))
            continue
        if fence is not None:
            if line.strip().startswith(fence) and \
                    line.strip().strip(fence[0]) == "":
                fence = None
            continue
        yield n, line


def rendered(heading):
    """The text GitHub renders for a heading's Markdown."""
    text = CODE_SPAN.sub(lambda m: m.group(2).strip(), heading)
    text = LINK.sub(lambda m: m.group(1), text)
    return re.sub(r"<[^>]+>", "", text)


def slug(text):
    """GitHub's anchor for a heading's rendered text (github-slugger)."""
    kept = []
    for c in text.lower():
        cat = unicodedata.category(c)
        if c in " -_" or cat[0] in "LNM" or cat == "Pc":
            kept.append(c)
    return "".join(kept).replace(" ", "-")


def anchors(path, cache={}):
    """Every fragment a Markdown file answers to."""
    if path not in cache:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        seen = {}
        found = set()
        for _, line in lines_outside_code(text):
            m = HEADING.match(line)
            if m:
                base = slug(rendered(m.group(2)))
                n = seen.get(base, 0)
                seen[base] = n + 1
                found.add(base if n == 0 else "%s-%d" % (base, n))
            for a in HTML_ANCHOR.findall(line):
                found.add(a)
        cache[path] = found
    return cache[path]


def targets(text):
    """Yield (line number, target) of every link outside code."""
    for n, line in lines_outside_code(text):
        bare = CODE_SPAN.sub(lambda m: "\0" * len(m.group(0)), line)
        m = REF_DEF.match(bare)
        if m:
            yield n, m.group(1)
            continue
        for m in LINK.finditer(bare):
            yield n, m.group(2)


def check(root, md, errors):
    """Check one file's links; return how many were checked."""
    with open(md, encoding="utf-8") as f:
        text = f.read()
    base = os.path.dirname(os.path.abspath(md))
    count = 0
    for n, target in targets(text):
        count += 1
        where = "%s:%d: %s" % (os.path.relpath(md, root), n, target)
        if target == "":
            errors.append("%s: empty link" % where)
            continue
        if SCHEME.match(target):
            continue
        path, _, frag = target.partition("#")
        path = urllib.parse.unquote(path)
        dest = os.path.abspath(md) if path == "" else \
            os.path.normpath(os.path.join(base, path))
        if os.path.commonpath([dest, root]) != root:
            errors.append("%s: outside the repository" % where)
        elif not os.path.exists(dest):
            errors.append("%s: no such file" % where)
        elif frag == "":
            continue
        elif not dest.endswith(".md"):
            errors.append("%s: a fragment into a file that is not Markdown"
                          % where)
        elif urllib.parse.unquote(frag) not in anchors(dest):
            errors.append("%s: no heading #%s in %s"
                          % (where, frag, os.path.relpath(dest, root)))
    return count


def main(argv):
    verbose = len(argv) > 1 and argv[1] == "-v"
    args = argv[2:] if verbose else argv[1:]
    if len(args) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = os.path.abspath(args[0])
    errors = []
    count = sum(check(root, md, errors) for md in args[1:])
    for e in errors:
        print(e)
    if verbose:
        print("checked %d links in %d files" % (count, len(args) - 1))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
