# SPDX-License-Identifier: GPL-2.0-or-later
"""Start a SecantusDB server with a fix for nested field specs.

SecantusDB 0.7.0b3 reads ``{"a": {"x": 1}}`` in ``$project`` as the literal 1
and ``{"a": {"x": <expr>}}`` in ``$addFields``/``$set`` as a replacement of the
whole sub-document. Real MongoDB treats both like the dotted path ``"a.x"``.
django-mongodb-backend emits exactly these shapes for joined columns
(``values_list("event__name")``, permission lookups, ``select_related`` with
ordering on a related field), so we flatten them before the server evaluates
the stage. Nothing changes for a real MongoDB: this file runs only inside the
test/dev server's own process and is never imported by the application.

It also does one thing real MongoDB's optimizer does and SecantusDB does not:
django-mongodb-backend puts a query's joins (``$lookup``, ``$unwind``, and a
``$set`` of the joined field) before its ``$match``; when that ``$match``
reads no field the joins write, it is moved to the front, where the server
filters (with an index) before joining. MongoDB does the same swap; without it
SecantusDB joins every document of the collection first, which made a request
of the test suite take up to a second. The results are the same either way.

Usage: python devtools/secantusd.py --host 127.0.0.1 --port PORT --storage-path DIR
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from typing import Any


def _is_plain_spec(value: Any) -> bool:
    """A sub-document of field names (not an operator expression like {"$sum": 1})."""
    return isinstance(value, Mapping) and bool(value) and not any(str(key).startswith("$") for key in value)


def flatten_spec(spec: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in spec.items():
        path = f"{prefix}{key}"
        if _is_plain_spec(value):
            flat.update(flatten_spec(value, prefix=f"{path}."))
        else:
            flat[path] = value
    return flat


def _flattening(handler):
    @functools.wraps(handler)
    def stage(spec, docs, ctx):
        if isinstance(spec, Mapping):
            spec = flatten_spec(spec)
        return handler(spec, docs, ctx)

    return stage


def _roots(value: Any) -> set[str]:
    """First segments of every field path a $match reads ({"a.b": 1} and "$a.b" both read "a")."""
    if isinstance(value, Mapping):
        found = set()
        for key, item in value.items():
            if not str(key).startswith("$"):
                found.add(str(key).split(".")[0])
            found |= _roots(item)
        return found
    if isinstance(value, list | tuple):
        return set().union(*(_roots(item) for item in value)) if value else set()
    if isinstance(value, str) and value.startswith("$") and not value.startswith("$$"):
        return {value[1:].split(".")[0]}
    return set()


def _joined_field(stage: Any, joined: set[str]) -> str | None:
    """The field a join stage writes: a $lookup's "as", the $unwind of a joined field, or a $set
    of joined fields only (the backend's left-outer-join fix-up); None for any other stage."""
    if not isinstance(stage, Mapping) or len(stage) != 1:
        return None
    ((name, spec),) = stage.items()
    if name == "$lookup" and isinstance(spec, Mapping) and isinstance(spec.get("as"), str):
        return spec["as"].split(".")[0]
    if name == "$unwind":
        path = spec.get("path") if isinstance(spec, Mapping) else spec
        if isinstance(path, str) and path[1:].split(".")[0] in joined:
            return path[1:].split(".")[0]
    if name in ("$set", "$addFields") and isinstance(spec, Mapping) and spec:
        fields = {str(key).split(".")[0] for key in spec}
        if fields <= joined:
            return next(iter(fields))
    return None


def hoist_matches(pipeline: list) -> list:
    """Move a $match that follows the leading joins, and reads none of their fields, to the front."""
    joined: set[str] = set()
    position = 0
    while position < len(pipeline):
        field = _joined_field(pipeline[position], joined)
        if field is None:
            break
        joined.add(field)
        position += 1
    if not joined or position == len(pipeline):
        return pipeline
    stage = pipeline[position]
    if not (isinstance(stage, Mapping) and list(stage) == ["$match"]) or _roots(stage["$match"]) & joined:
        return pipeline
    return [stage, *pipeline[:position], *pipeline[position + 1 :]]


def _hoisting(handler):
    @functools.wraps(handler)
    def aggregate(doc, ctx):
        if isinstance(doc.get("pipeline"), list):
            doc = {**doc, "pipeline": hoist_matches(doc["pipeline"])}
        return handler(doc, ctx)

    return aggregate


def install_fix() -> None:
    from secantus import aggregate, commands

    for name in ("$project", "$addFields", "$set"):
        aggregate._STAGES[name] = _flattening(aggregate._STAGES[name])
    commands._HANDLERS["aggregate"] = _hoisting(commands._HANDLERS["aggregate"])


def main() -> int:
    install_fix()
    from secantus.cli import main as secantus_main

    return secantus_main()


if __name__ == "__main__":
    sys.exit(main())
