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


def install_fix() -> None:
    from secantus import aggregate

    for name in ("$project", "$addFields", "$set"):
        aggregate._STAGES[name] = _flattening(aggregate._STAGES[name])


def main() -> int:
    install_fix()
    from secantus.cli import main as secantus_main

    return secantus_main()


if __name__ == "__main__":
    sys.exit(main())
