#!/usr/bin/env python3
"""Reject bats code whose failures cannot fail anything (tests/README.md).

    lint-bats.py FILE...

bats runs a test under `set -e`, which ignores a failure anywhere in an
`A && B` list but its last command, and keeps only the last command's
status of `teardown` and `teardown_file`. Two rules follow:

1. In a test or a function, `&&` may join commands only on the body's
   last line, in an `if`/`while`/`until` condition, or when the list ends
   in flow control (`&& break`, `&& continue`, `&& return`, `&& fail`) or
   is caught (`... || fail "why"`). Anywhere else `[ A ] && [ B ]` passes
   when A fails: write one assertion per line.
2. `teardown` and `teardown_file` end with `stop_at_teardown [CMD...]`
   (tests/helpers.bash), which runs every stop and fails if any did; no
   stop (`stop_*`, `kill_wait`, `sanitizer_reports`) and no assertion may
   run before it, where its status would be lost; a bats file that
   registers stops with `at_teardown` has a `teardown` (which runs them).

Prints FILE:LINE: reason for each finding; exits 1 if there is any.
"""

import re
import sys

STOP = re.compile(r"^(stop_\w+|kill_wait|sanitizer_reports)$")
ASSERT = re.compile(r"^(\[|\[\[|test|assert_\w*|refute_\w*|grep|fail|!)$")
FLOW = re.compile(r"^(break|continue|return|exit|fail)\b|^\{.*\b(break|continue|return|exit|fail)\b")
HEAD = re.compile(r"^(@test\s.*\{|(function\s+)?([A-Za-z_][\w-]*)\s*\(\)\s*\{)\s*$")


def blank(text):
    """The text with quoted strings, $(...), comments and the contents of
    ${...} replaced by spaces (newlines kept), so that what is left is
    the shell's own syntax."""
    out = []
    i, n = 0, len(text)
    stack = []  # "'", '"', "$(", "${"
    word_start = True
    while i < n:
        c = text[i]
        top = stack[-1] if stack else None
        if top == "'":
            if c == "'":
                stack.pop()
            out.append(c if c == "\n" else " ")
            i += 1
            continue
        if c == "\\" and i + 1 < n:
            out.append("  " if text[i + 1] != "\n" else "\\\n")
            i += 2
            continue
        if top == '"':
            if c == '"':
                stack.pop()
                out.append('"')
            elif text.startswith("$(", i):
                stack.append("$(")
                out.append("  ")
                i += 2
                continue
            else:
                out.append(c if c == "\n" else " ")
            i += 1
            continue
        inner = top in ("$(", "${")
        if top == "${":
            if c == "}":
                stack.pop()
            out.append(c if c == "\n" else " ")
            i += 1
            continue
        if c == "#" and word_start:
            while i < n and text[i] != "\n":
                out.append(" ")
                i += 1
            continue
        if c == "'":
            stack.append("'")
            out.append(" " if inner else "'")
        elif c == '"':
            stack.append('"')
            out.append(" " if inner else '"')
        elif text.startswith("$(", i):
            stack.append("$(")
            out.append("  ")
            i += 2
            word_start = True
            continue
        elif text.startswith("${", i):
            stack.append("${")
            out.append("  ")
            i += 2
            continue
        elif c == "(" and inner:
            stack.append("(")
            out.append(" ")
        elif c == ")" and top in ("$(", "("):
            stack.pop()
            out.append(" ")
        else:
            out.append(c if (c == "\n" or not inner) else " ")
        word_start = c in " \t\n;|&(){}"
        i += 1
    return "".join(out)


def bodies(lines):
    """(kind, name, first line number, body lines) of each test and
    function defined at the file's top level."""
    i = 0
    while i < len(lines):
        m = HEAD.match(lines[i])
        if not m:
            i += 1
            continue
        kind = "test" if m.group(1).startswith("@test") else "function"
        name = m.group(3) or lines[i]
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "}":
            j += 1
        yield kind, name, i + 2, lines[i + 1:j]
        i = j + 1


def logical(body, first):
    """(line number, joined text) of each logical line of a body, where a
    line ending in \\, &&, || or | goes on."""
    out = []
    cur, start = "", None
    for k, line in enumerate(body):
        stripped = line.strip()
        if not stripped and not cur:
            continue
        if start is None:
            start = first + k
        cur += " " + stripped
        if re.search(r"(\\|&&|\|\||\|)\s*$", stripped):
            cur = cur.rstrip().rstrip("\\")
            continue
        out.append((start, cur.strip()))
        cur, start = "", None
    if cur:
        out.append((start, cur.strip()))
    return out


def commands(line):
    """The words that start the commands of a logical line."""
    words = []
    line = re.sub(r"\w+\+?=\([^)]*\)", "", line)  # an array's words
    for part in re.split(r"&&|\|\||;|\||\bthen\b|\bdo\b|\belse\b|\{|\(", line):
        part = part.strip()
        if part:
            words.append(part.split()[0])
    return words


def split_top(text):
    """The commands of a line split at ;, then, do and else outside
    { } groups."""
    segs, depth, cur = [], 0, ""
    for tok in re.split(r"(;|\bthen\b|\bdo\b|\belse\b|\{|\})", text):
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
        elif depth == 0 and re.fullmatch(r";|then|do|else", tok):
            segs.append(cur)
            cur = ""
            continue
        cur += tok
    return segs + [cur]


def check_and(lines, path):
    """Rule 1 over the logical lines of a body; the last may use &&."""
    found = []
    for k, (num, text) in enumerate(lines):
        if "&&" not in text:
            continue
        if k == len(lines) - 1 and not re.match(r"^(done|fi|esac)\b", text):
            continue
        rest = text
        # an if/while/until condition decides a branch, not the test
        rest = re.sub(r"^(if|elif|while|until)\b.*?;\s*(then|do)\b", "", rest)
        rest = re.sub(r"^(if|elif|while|until)\b.*$", "", rest)
        for seg in split_top(rest):
            seg = seg.strip()
            if seg.startswith("("):
                continue  # a subshell's status is its last command's
            if "&&" not in seg:
                continue
            seg = re.sub(r"\b(done|fi)\s*$", "", seg).strip()
            if re.search(r"\|\|\s*(fail|return|exit|\{)", seg):
                continue
            last = seg.split("&&")[-1].strip()
            if FLOW.match(last):
                continue
            found.append(f"{path}:{num}: `&&` joins commands on a line that"
                         " is not the test's last: the failure of all but"
                         " the last is ignored; one assertion per line")
            break
    return found


def check_teardown(lines, path, name, first):
    """Rule 2 over the logical lines of a teardown."""
    if not lines:
        return []
    num, last = lines[-1]
    found = []
    if not re.match(r"^stop_at_teardown\b", last):
        found.append(f"{path}:{num}: {name} must end with stop_at_teardown"
                     " (its last command's status is its only one)")
    for num, text in lines[:-1]:
        if re.search(r"\|\|\s*(true|return|continue)\b", text):
            continue
        for word in commands(text):
            if STOP.match(word) or ASSERT.match(word):
                found.append(f"{path}:{num}: {name} runs `{word}` before its"
                             " last command, so its failure is lost: pass it"
                             " to stop_at_teardown")
                break
    return found


def lint(path):
    """Every finding in one file."""
    with open(path, encoding="utf-8") as fp:
        text = fp.read()
    lines = blank(text).split("\n")
    found = []
    names = [name for _, name, _, _ in bodies(lines)]
    if re.search(r"^\s*at_teardown\b", "\n".join(lines), re.M) and \
            "teardown" not in names and path.endswith(".bats"):
        found.append(f"{path}:1: at_teardown is used but no teardown runs"
                     " stop_at_teardown")
    for kind, name, first, body in bodies(lines):
        logic = logical(body, first)
        found += check_and(logic, path)
        if kind == "function" and name in ("teardown", "teardown_file"):
            found += check_teardown(logic, path, name, first)
    return found


def main():
    """Lint every file named; 1 if anything was found."""
    found = []
    for path in sys.argv[1:]:
        found += lint(path)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
