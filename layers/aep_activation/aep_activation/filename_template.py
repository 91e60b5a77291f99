"""The seed's rules for an audience's ``filenameTemplate``.

``%DESTINATION_NAME%`` and ``%SEGMENT_ID%`` are mandatory, ``%SEGMENT_NAME%`` optional, at most
one of ``%DATETIME(YYYYMMdd_HHmmss)%`` / ``%TIMESTAMP%``, and custom text around them.
"""

from __future__ import annotations

import re

DEFAULT_FILENAME_TEMPLATE = "%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%"

_TEMPLATE_TOKEN = re.compile(r"%([^%]*)%")
_REQUIRED_TOKENS = ("DESTINATION_NAME", "SEGMENT_ID")
_TIME_TOKENS = ("DATETIME(YYYYMMdd_HHmmss)", "TIMESTAMP")
_KNOWN_TOKENS = (*_REQUIRED_TOKENS, "SEGMENT_NAME", *_TIME_TOKENS)
_CUSTOM_TEXT = re.compile(r"^[A-Za-z0-9_.-]*$")


def filename_template_problems(template: str) -> list[str]:
    """Every seed rule the template breaks, in plain words (empty when it is fine)."""
    problems: list[str] = []
    tokens = _TEMPLATE_TOKEN.findall(template)
    custom_text = _TEMPLATE_TOKEN.sub("", template)
    for token in dict.fromkeys(tokens):
        if token not in _KNOWN_TOKENS:
            problems.append(
                f"has an unknown token %{token}%; known tokens: "
                + ", ".join(f"%{known}%" for known in _KNOWN_TOKENS)
            )
        elif tokens.count(token) > 1:
            problems.append(f"uses %{token}% more than once")
    problems.extend(
        f"must contain %{required}%" for required in _REQUIRED_TOKENS if required not in tokens
    )
    if sum(1 for token in tokens if token in _TIME_TOKENS) > 1:
        problems.append("may contain only one of %DATETIME(YYYYMMdd_HHmmss)% and %TIMESTAMP%")
    if "%" in custom_text:
        problems.append("has a '%' that does not close a token")
    elif not _CUSTOM_TEXT.fullmatch(custom_text):
        problems.append("custom text may use only letters, digits, '_', '-' and '.'")
    return problems
