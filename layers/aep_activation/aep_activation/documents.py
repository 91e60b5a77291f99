"""JSON objects read from text that may be absent or unreadable: the registry's stored
documents, an ended execution's input."""

from __future__ import annotations

import json
from typing import Any


def json_object(text: object) -> dict[str, Any]:
    """The JSON object ``text`` holds; empty when it is no text, not JSON, or another value."""
    if not isinstance(text, str) or not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
