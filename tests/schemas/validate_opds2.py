#!/usr/bin/env python3
"""Validates OPDS 2.0 documents against the vendored JSON Schemas (see README.md here).

    validate_opds2.py feed catalog.json [publication book.json ...]

Each document is checked with JSON Schema draft 7, formats included (uri, uri-reference,
date, date-time: a missing format checker is an error, never a silent pass). Prints every
problem and exits 1 if there is one.
"""

import json
import pathlib
import re
import sys

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

HERE = pathlib.Path(__file__).parent / "opds2"
HOSTS = {
    "opds": ["specs.opds.io/schema/", "drafts.opds.io/schema/"],
    "readium": ["readium.org/webpub-manifest/schema/"],
}
NAMED_GROUP = re.compile(r"\(\?<([A-Za-z][A-Za-z0-9]*)>")


def python_patterns(node):
    """ECMAScript's named groups `(?<name>...)` are `(?P<name>...)` in Python, and the
    language-tag pattern names two groups alike; matching does not depend on group names,
    so they become plain groups."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                value = NAMED_GROUP.sub("(?:", value)
            elif key == "patternProperties" and isinstance(value, dict):
                value = {NAMED_GROUP.sub("(?:", k): python_patterns(v) for k, v in value.items()}
                out[key] = value
                continue
            out[key] = python_patterns(value)
        return out
    if isinstance(node, list):
        return [python_patterns(v) for v in node]
    return node


def registry():
    reg = Registry()
    for family, hosts in HOSTS.items():
        for path in sorted((HERE / family).rglob("*.json")):
            contents = python_patterns(json.loads(path.read_text(encoding="utf-8")))
            contents.pop("id", None)  # a draft-04 leftover in two files; draft 7 uses $id
            contents.pop("$id", None)  # each file is known by every address it is cited by
            resource = Resource.from_contents(contents, default_specification=DRAFT7)
            rel = path.relative_to(HERE / family).as_posix()
            for host in hosts:
                for scheme in ("https://", "http://"):
                    reg = reg.with_resource(scheme + host + rel, resource)
    return reg


def main(argv):
    if len(argv) < 3 or len(argv) % 2 == 0:
        print(__doc__, file=sys.stderr)
        return 2
    checker = Draft7Validator.FORMAT_CHECKER
    for fmt in ("uri", "uri-reference", "date", "date-time"):
        if fmt not in checker.checkers:
            print(f"the format checker for `{fmt}` is missing: pip install rfc3987 rfc3339-validator",
                  file=sys.stderr)
            return 2
    reg = registry()
    schemas = {
        "feed": "https://specs.opds.io/schema/feed.schema.json",
        "publication": "https://specs.opds.io/schema/publication.schema.json",
    }
    problems = 0
    for kind, file in zip(argv[1::2], argv[2::2]):
        schema = {"$ref": schemas[kind]}
        validator = Draft7Validator(schema, registry=reg, format_checker=checker)
        document = json.loads(pathlib.Path(file).read_text(encoding="utf-8"))
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.path)):
            problems += 1
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            print(f"{file}: {where}: {error.message}")
    if problems:
        print(f"{problems} problem(s)")
        return 1
    print(f"{len(argv[1::2])} document(s) valid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
