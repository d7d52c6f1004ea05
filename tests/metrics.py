#!/usr/bin/env python3
"""Read a Prometheus text exposition with the official client's parser.

  metrics.py check FILE          parse FILE (format 0.0.4), check that
                                 every family has HELP and TYPE and that
                                 histogram buckets are cumulative; print
                                 "ok" or the problem
  metrics.py get FILE NAME [LABEL=VALUE...]
                                 print the value of one sample (0 if absent)

Needs python3-prometheus-client; exits 77 (skip) without it.
"""
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print("python3-prometheus-client is not installed", file=sys.stderr)
    sys.exit(77)


def families(path):
    with open(path, encoding="utf-8") as fp:
        return list(text_string_to_metric_families(fp.read()))


def check(path):
    text = open(path, encoding="utf-8").read()
    for fam in families(path):
        # the parser strips _total from counter family names
        names = {fam.name, fam.name + "_total"}
        if not any("# HELP %s " % n in text for n in names):
            return "no HELP for %s" % fam.name
        if not any("# TYPE %s %s" % (n, fam.type) in text for n in names):
            return "no TYPE for %s" % fam.name
        if fam.type == "histogram":
            series = {}
            for s in fam.samples:
                if s.name.endswith("_bucket"):
                    key = tuple(sorted((k, v) for k, v in s.labels.items()
                                       if k != "le"))
                    series.setdefault(key, []).append(
                        (float(s.labels["le"]), s.value))
            for key, buckets in series.items():
                values = [v for _, v in sorted(buckets)]
                if values != sorted(values):
                    return "%s%s buckets not cumulative" % (fam.name, key)
                if sorted(buckets)[-1][0] != float("inf"):
                    return "%s%s has no +Inf bucket" % (fam.name, key)
                count = [s.value for s in fam.samples
                         if s.name == fam.name + "_count" and
                         tuple(sorted(s.labels.items())) == key]
                if count != [values[-1]]:
                    return "%s%s count is not the +Inf bucket" % (fam.name,
                                                                  key)
    return "ok"


def get(path, name, labels):
    want = dict(l.split("=", 1) for l in labels)
    for fam in families(path):
        for s in fam.samples:
            if s.name == name and all(s.labels.get(k) == v
                                      for k, v in want.items()):
                v = s.value
                print(int(v) if v == int(v) else v)
                return 0
    print(0)
    return 0


def main(argv):
    if len(argv) == 2 and argv[0] == "check":
        print(check(argv[1]))
        return 0
    if len(argv) >= 3 and argv[0] == "get":
        return get(argv[1], argv[2], argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
