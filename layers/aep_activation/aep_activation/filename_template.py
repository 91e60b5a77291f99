"""The rules for an audience's ``filenameTemplate``, per segment selector version.

Adobe's destinations OpenAPI describes two selectors:

- ``BatchSegmentSelector`` (legacy cards): ``%DESTINATION_NAME%`` and ``%SEGMENT_ID%``
  required; ``%SEGMENT_NAME%``, one of ``%DATETIME(YYYYMMdd_HHmmss)%`` / ``%TIMESTAMP%`` and
  custom text optional.
- ``BatchSegmentSelector_V2`` (new cloud-storage cards): ``%DESTINATION%``, ``%SEGMENT_ID%``,
  ``%SEGMENT_NAME%``, ``%DESTINATION_INSTANCE_ID%``, ``%DESTINATION_INSTANCE_NAME%``,
  ``%ORGANIZATION_NAME%``, ``%SANDBOX_NAME%``, one time token and custom text, each marked
  optional; its example uses ``%DESTINATION_NAME%``, so that name is known too. Adobe's UI
  guide ("Activate audiences to batch profile export destinations", Configure file names)
  lists the same options and says the destination name and audience ID cannot be removed:
  a destination token (either spelling) and ``%SEGMENT_ID%`` stay required, which every
  example of Adobe's sends.

A card the catalog does not know gets the legacy rules, the stricter of the two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

DEFAULT_FILENAME_TEMPLATE = "%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%"

_TEMPLATE_TOKEN = re.compile(r"%([^%]*)%")
_TIME_TOKENS = ("DATETIME(YYYYMMdd_HHmmss)", "TIMESTAMP")
_CUSTOM_TEXT = re.compile(r"^[A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class TemplateRules:
    """One selector version's tokens: each ``required`` entry is satisfied by any of its
    alternatives."""

    known: tuple[str, ...]
    required: tuple[tuple[str, ...], ...]


LEGACY_TEMPLATE_RULES = TemplateRules(  # destinations OpenAPI, BatchSegmentSelector
    known=("DESTINATION_NAME", "SEGMENT_ID", "SEGMENT_NAME", *_TIME_TOKENS),
    required=(("DESTINATION_NAME",), ("SEGMENT_ID",)),
)
NEW_CARD_TEMPLATE_RULES = TemplateRules(  # destinations OpenAPI, BatchSegmentSelector_V2
    known=(
        "DESTINATION",
        "DESTINATION_NAME",  # the schema's own example
        "SEGMENT_ID",
        "SEGMENT_NAME",
        "DESTINATION_INSTANCE_ID",
        "DESTINATION_INSTANCE_NAME",
        "ORGANIZATION_NAME",
        "SANDBOX_NAME",
        *_TIME_TOKENS,
    ),
    # The UI guide: "The destination name and audience ID cannot be removed from file names."
    required=(("DESTINATION", "DESTINATION_NAME"), ("SEGMENT_ID",)),
)


def template_rules(card: Literal["legacy", "new"] | None) -> TemplateRules:
    """The rules of a card's selector version; an unknown card (None) gets the legacy ones."""
    return NEW_CARD_TEMPLATE_RULES if card == "new" else LEGACY_TEMPLATE_RULES


def filename_template_problems(
    template: str, rules: TemplateRules = LEGACY_TEMPLATE_RULES
) -> list[str]:
    """Every rule the template breaks, in plain words (empty when it is fine)."""
    problems: list[str] = []
    tokens = _TEMPLATE_TOKEN.findall(template)
    custom_text = _TEMPLATE_TOKEN.sub("", template)
    for token in dict.fromkeys(tokens):
        if token not in rules.known:
            only_new = token in NEW_CARD_TEMPLATE_RULES.known
            problems.append(
                f"has an unknown token %{token}%; known tokens: "
                + ", ".join(f"%{known}%" for known in rules.known)
                + (
                    f" (%{token}% is a token of the new cloud-storage cards only)"
                    if only_new
                    else ""
                )
            )
        elif tokens.count(token) > 1:
            problems.append(f"uses %{token}% more than once")
    problems.extend(
        "must contain " + " or ".join(f"%{token}%" for token in alternatives)
        for alternatives in rules.required
        if not any(token in tokens for token in alternatives)
    )
    if sum(1 for token in tokens if token in _TIME_TOKENS) > 1:
        problems.append("may contain only one of %DATETIME(YYYYMMdd_HHmmss)% and %TIMESTAMP%")
    if "%" in custom_text:
        problems.append("has a '%' that does not close a token")
    elif not _CUSTOM_TEXT.fullmatch(custom_text):
        problems.append("custom text may use only letters, digits, '_', '-' and '.'")
    return problems
