#!/usr/bin/env python3
"""Check fcgi/'s include graph against the layer table in fcgi/README.

A module is fcgi/NAME.c with fcgi/NAME.h; an edge is a quoted #include
of another module's header. Fails (exit 1) when a module is missing from
the table or named twice, when a file includes a header of a higher
layer, or when the edges close a cycle. Same-layer includes are allowed
(the cycle check still sees them).

usage: lint-layers.py [--srcdir DIR] [--measure]
  --measure: count upward edges and cycles only (for a tree whose
             modules the table does not match), print, exit 0.
"""
import os
import re
import sys


def read_layers(path):
    """{module: (layer number, layer name)} from the README's table."""
    layers, seen, dup = {}, None, []
    in_table = False
    with open(path, encoding="utf-8") as fp:
        for line in fp:
            line = line.rstrip("\n")
            if line.startswith("## "):
                in_table = line.strip() == "## Layers"
                continue
            if not in_table:
                continue
            m = re.match(r"^(\d+) (\S.*)$", line)
            if m:
                seen = (int(m.group(1)), m.group(2).strip())
                continue
            m = re.match(r"^  ([a-z][a-z0-9-]*)  +\S", line)
            if m and seen is not None:
                if m.group(1) in layers:
                    dup.append(m.group(1))
                layers[m.group(1)] = seen
    return layers, dup


def read_edges(fcgi):
    """{module: {included module: [files]}} for quoted includes."""
    files = sorted(f for f in os.listdir(fcgi) if re.search(r"\.[ch]$", f))
    modules = {f[:-2] for f in files}
    headers = {f[:-2] for f in files if f.endswith(".h")}
    edges = {m: {} for m in modules}
    inc = re.compile(r'^\s*#\s*include\s+"([^"/]+)\.h"')
    for f in files:
        mod = f[:-2]
        with open(os.path.join(fcgi, f), encoding="utf-8") as fp:
            for n, line in enumerate(fp, 1):
                m = inc.match(line)
                if m and m.group(1) in headers and m.group(1) != mod:
                    edges[mod].setdefault(m.group(1), []).append(
                        "%s:%d" % (f, n))
    return modules, edges


def cycles(modules, edges):
    """The strongly connected components of more than one module."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(modules):
        if v not in index:
            visit(v)
    return out


def main(argv):
    srcdir = "."
    measure = "--measure" in argv
    if "--srcdir" in argv:
        srcdir = argv[argv.index("--srcdir") + 1]
    fcgi = os.path.join(srcdir, "fcgi")
    layers, dup = read_layers(os.path.join(fcgi, "README"))
    modules, edges = read_edges(fcgi)
    problems = []
    if not measure:
        for m in dup:
            problems.append("fcgi/README names %s twice" % m)
        for m in sorted(modules - set(layers)):
            problems.append("fcgi/README: %s is in no layer" % m)
        for m in sorted(set(layers) - modules):
            problems.append("fcgi/README names %s, which is not in fcgi/" % m)
    up = 0
    nedges = 0
    for mod in sorted(edges):
        for dst, where in sorted(edges[mod].items()):
            nedges += 1
            if mod in layers and dst in layers and \
                    layers[dst][0] > layers[mod][0]:
                up += 1
                problems.append(
                    "%s: %s (layer %d, %s) includes %s.h of layer %d (%s)"
                    % (where[0], mod, layers[mod][0], layers[mod][1], dst,
                       layers[dst][0], layers[dst][1]))
    cyc = cycles(modules, edges)
    for c in cyc:
        problems.append("include cycle: " + " <-> ".join(c))
    for p in problems:
        print("lint-layers: " + p)
    print("lint-layers: %d modules, %d edges, %d upward, %d cycles"
          % (len(modules), nedges, up, len(cyc)))
    return 0 if measure or not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
