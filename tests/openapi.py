#!/usr/bin/env python3
"""Check real answers against docs/openapi.yaml (python3-jsonschema).

  openapi.py refs SPEC
      every $ref in SPEC resolves, every operation declares responses
  openapi.py check SPEC METHOD ROUTE STATUS HEADERS BODY
      the answer (curl's status, its -D header dump and its body) is one
      SPEC declares for METHOD on ROUTE (a path template such as /{user}):
      the status is listed, the Content-Type is one of its media types and
      the body is valid against that schema (not for HEAD), every header the response
      marks required is present, and every declared header that is
      present is valid against its schema (a HEAD without headers of its
      own: the GET's for the same status); a 304 has no body and no
      Content-Type.

Prints what is wrong and exits 1, or exits 0 silently.
"""
import json
import sys

import jsonschema
import yaml


def load(path):
    with open(path, encoding="utf-8") as fp:
        return yaml.safe_load(fp)


def resolve(spec, node):
    """Follow a local $ref (#/a/b) to its target, repeatedly."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise KeyError("non-local $ref " + ref)
        target = spec
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def walk_refs(spec, node, where, problems):
    if isinstance(node, dict):
        if "$ref" in node:
            try:
                resolve(spec, node)
            except KeyError as e:
                problems.append("%s: $ref %s does not resolve (%s)"
                                % (where, node["$ref"], e))
        for k, v in node.items():
            walk_refs(spec, v, where + "/" + str(k), problems)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk_refs(spec, v, "%s/%d" % (where, i), problems)


def refs(spec):
    problems = []
    walk_refs(spec, spec, "#", problems)
    methods = ("get", "head", "post", "put", "patch", "delete", "options")
    for path, item in spec.get("paths", {}).items():
        for m in methods:
            if m in item and not item[m].get("responses"):
                problems.append("%s %s declares no responses" % (m, path))
    if not spec.get("openapi", "").startswith("3.1"):
        problems.append("not an OpenAPI 3.1 document")
    return problems


def parse_headers(path):
    """The last header block of a curl -D dump: {lower-case name: value}."""
    with open(path, encoding="latin-1") as fp:
        blocks = fp.read().replace("\r\n", "\n").split("\n\n")
    blocks = [b for b in blocks if b.strip()]
    headers = {}
    for line in blocks[-1].split("\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return headers


def errors_of(spec, schema, instance, what):
    # The spec's components travel with the schema, so that its
    # "#/components/..." references resolve against the schema's own root
    # (no resolver API, which differs between jsonschema versions).
    root = dict(schema, components=spec["components"])
    v = jsonschema.Draft202012Validator(root)
    return ["%s: %s (at %s)" % (what, e.message,
                                "/".join(str(p) for p in e.absolute_path))
            for e in v.iter_errors(instance)]


def header_value(schema, value):
    """A header's text as the JSON value its schema describes."""
    if schema.get("type") == "integer":
        try:
            return int(value)
        except ValueError:
            return value
    return value


def check(spec, method, route, status, headers_file, body_file):
    item = spec["paths"].get(route)
    if item is None:
        return ["route %s is not in the spec" % route]
    op = item.get(method.lower())
    if op is None:
        return ["%s %s is not in the spec" % (method, route)]
    response = op["responses"].get(status)
    if response is None:
        return ["%s %s: status %s is not declared (declared: %s)"
                % (method, route, status, ", ".join(op["responses"]))]
    response = resolve(spec, response)
    headers = parse_headers(headers_file)
    problems = []
    declared = response.get("headers", {})
    if method.upper() == "HEAD" and "get" in item:
        # a HEAD's head is the GET's (RFC 9110 9.3.2): the headers the GET
        # declares for this status, required ones too, unless the HEAD
        # declares its own
        got = item["get"]["responses"].get(status)
        if got is not None and not declared:
            declared = resolve(spec, got).get("headers", {})
    for name, h in declared.items():
        h = resolve(spec, h)
        value = headers.get(name.lower())
        if value is None:
            if h.get("required"):
                problems.append("header %s is required, absent" % name)
            continue
        schema = resolve(spec, h.get("schema", {}))
        problems += errors_of(spec, schema, header_value(schema, value),
                              "header " + name)
    try:
        with open(body_file, "rb") as fp:
            body = fp.read()
    except FileNotFoundError:  # curl writes no file for an empty body
        body = b""
    content = response.get("content")
    if method.upper() == "HEAD":
        return problems  # the head only (curl -I writes it as the body)
    if status == "304":
        if body:
            problems.append("the 304 has a body")
        if "content-type" in headers:  # RFC 9110 15.4.5; docs/openapi.yaml
            problems.append("the 304 has a Content-Type")
        return problems
    if not content:
        return problems
    ctype = headers.get("content-type", "")
    media = None
    for declared in content:
        if ctype.split(";")[0].strip() == declared.split(";")[0].strip():
            media = content[declared]
    if media is None:
        return problems + ["Content-Type %r is not one of %s"
                           % (ctype, ", ".join(content))]
    schema = media.get("schema", {})
    if "json" in ctype:
        try:
            instance = json.loads(body.decode("utf-8"))
        except ValueError as e:
            return problems + ["body is not JSON: %s" % e]
    else:
        instance = body.decode("utf-8")
    return problems + errors_of(spec, schema, instance, "body")


def main(argv):
    if len(argv) == 3 and argv[1] == "refs":
        problems = refs(load(argv[2]))
    elif len(argv) == 8 and argv[1] == "check":
        problems = check(load(argv[2]), *argv[3:])
    else:
        sys.exit(__doc__)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
