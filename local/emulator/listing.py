"""List queries as Flow Service takes them: ``property`` filters, ``orderby``, ``limit`` and
``continuationToken`` paging.

- ``property=<field><op><value>``, repeatable and ANDed. Fields are dotted paths
  (``flowSpec.id``, ``inheritedAttributes.targetConnections.id``); a path through an array
  matches when any element matches (``targetConnectionIds==<id>``). Operators: ``==``,
  ``!=``, ``>``, ``<``, ``>=``, ``<=`` and ``~`` (contains, case-insensitive).
- ``orderby=createdAt`` ascending, ``orderby=-createdAt`` descending.
- ``_links.next.href`` is relative to the Flow Service base URL, as in Adobe's samples
  (``/connections?continuationToken=...``): the client joins it to
  ``https://platform.adobe.io/data/foundation/flowservice``. It repeats every query
  parameter of the request except the token, so filters hold on every page.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

from local.emulator import errors
from local.emulator.exchange import Call

MAX_LIMIT: Final = 100
_FILTER: Final = re.compile(r"^([A-Za-z0-9_.@\[\]]+?)(==|!=|>=|<=|>|<|~)(.*)$", re.DOTALL)


@dataclass(frozen=True)
class PropertyFilter:
    path: tuple[str, ...]
    operator: str
    value: str

    def matches(self, doc: dict[str, Any]) -> bool:
        found = _resolve(doc, self.path)
        if self.operator == "!=":
            return all(not _equal(item, self.value) for item in found)
        return any(self._holds(item) for item in found)

    def _holds(self, item: Any) -> bool:
        if self.operator == "==":
            return _equal(item, self.value)
        if self.operator == "~":
            return self.value.lower() in _text(item).lower()
        left, right = _number(item), _number(self.value)
        if left is None or right is None:
            left_text, right_text = _text(item), self.value
            return _compare(left_text, right_text, self.operator)
        return _compare(left, right, self.operator)


def parse_filters(call: Call) -> list[PropertyFilter]:
    filters = []
    for expression in call.query_all("property"):
        match = _FILTER.match(expression.strip())
        if match is None:
            raise errors.bad_request(
                errors.INVALID_QUERY,
                f"Invalid property filter '{expression}': expected <field><operator><value>",
                call.request_id,
            )
        field, operator, value = match.groups()
        path = tuple(part.removesuffix("[]") for part in field.split(".") if part)
        filters.append(PropertyFilter(path, operator, value))
    return filters


def select(call: Call, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items passing every filter, in the requested order."""
    filters = parse_filters(call)
    chosen = [item for item in items if all(f.matches(item) for f in filters)]
    orderby = call.query_one("orderby")
    if orderby:
        descending = orderby.startswith("-")
        path = tuple(orderby.lstrip("+-").split("."))
        present = [item for item in chosen if _resolve(item, path)]
        missing = [item for item in chosen if not _resolve(item, path)]
        present.sort(key=lambda item: _sort_key(_resolve(item, path)[0]), reverse=descending)
        chosen = present + missing
    return chosen


def page(
    call: Call, items: list[dict[str, Any]], *, page_size: int, list_path: str
) -> dict[str, Any]:
    """One page of ``items`` with ``_links.next`` when more remain."""
    limit = _limit(call, page_size)
    offset = _offset(call)
    body: dict[str, Any] = {"items": items[offset : offset + limit], "_links": {}}
    if offset + limit < len(items):
        body["_links"]["next"] = {"href": _next_href(call, list_path, offset + limit)}
    return body


def _limit(call: Call, default: int) -> int:
    raw = call.query_one("limit")
    if raw is None:
        return default
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise errors.bad_request(
            errors.INVALID_QUERY,
            f"limit must be an integer between 1 and {MAX_LIMIT}",
            call.request_id,
        )
    return limit


def encode_token(offset: int) -> str:
    raw = json.dumps({"offset": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _offset(call: Call) -> int:
    token = call.query_one("continuationToken")
    if token is None:
        return 0
    try:
        padded = token + "=" * (-len(token) % 4)
        offset = json.loads(base64.urlsafe_b64decode(padded.encode()))["offset"]
        if isinstance(offset, int) and offset >= 0:
            return offset
    except (binascii.Error, ValueError, KeyError, TypeError):
        pass
    raise errors.bad_request(errors.INVALID_QUERY, "Invalid continuationToken", call.request_id)


def _next_href(call: Call, list_path: str, offset: int) -> str:
    params = [("continuationToken", encode_token(offset))]
    for name, values in call.query.items():
        if name != "continuationToken":
            params.extend((name, value) for value in values)
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='=,')}" for k, v in params)
    return f"{list_path}?{query}"


def _resolve(value: Any, path: tuple[str, ...]) -> list[Any]:
    """Leaf values at ``path``; arrays on the way (and at the end) are flattened."""
    if isinstance(value, list):
        return [leaf for item in value for leaf in _resolve(item, path)]
    if not path:
        return [value]
    if isinstance(value, dict) and path[0] in value:
        return _resolve(value[path[0]], path[1:])
    return []


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _equal(item: Any, value: str) -> bool:
    if _text(item) == value:
        return True
    left, right = _number(item), _number(value)
    return left is not None and right is not None and left == right


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _compare(left: Any, right: Any, operator: str) -> bool:
    if operator == ">":
        return bool(left > right)
    if operator == "<":
        return bool(left < right)
    if operator == ">=":
        return bool(left >= right)
    return bool(left <= right)


def _sort_key(value: Any) -> tuple[int, Any]:
    number = _number(value)
    return (0, number) if number is not None else (1, _text(value))
