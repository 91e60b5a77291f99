"""How the new file-based cards name what they export: mapping-set destinations and sources.

Adobe's file-based destinations tutorial ("Activate audiences to file-based destinations by
using the Flow Service API", section "Create mapping sets"; excerpt in
``tests/contract/adobe/docs/``) says a mapping's ``destination`` "does not accept dots" and
maps ``personalEmail.address`` to ``personalEmail_address``. The one rule used here follows
that example: every dot becomes an underscore (``person.name.firstName`` ->
``person_name_firstName``). The exported file's column headers are these names.

An identity is read from ``identityMap.<namespace>``; mapping sources are dot-separated
paths, so a dot inside a namespace is escaped as ``//.`` (``Phone_E.164`` ->
``identityMap.Phone_E//.164``), as in Adobe's example.
"""

from __future__ import annotations

IDENTITY_MAP = "identityMap"
NAMESPACE_DOT_ESCAPE = "//."
"""A dot inside a map key of a mapping source is written ``//.``."""
DOT_REPLACEMENT = "_"


def column_name(path: str) -> str:
    """The mapping destination (and exported column) of an attribute path or a namespace."""
    return path.replace(".", DOT_REPLACEMENT)


def escape_namespace(namespace: str) -> str:
    return namespace.replace(".", NAMESPACE_DOT_ESCAPE)


def identity_source(namespace: str) -> str:
    """``identityMap.Email``; ``Phone_E.164`` becomes ``identityMap.Phone_E//.164``."""
    return f"{IDENTITY_MAP}.{escape_namespace(namespace)}"


def identity_of_source(source: str) -> str | None:
    """The namespace an ``identityMap.<namespace>`` source reads, unescaped; None otherwise."""
    prefix = IDENTITY_MAP + "."
    if not source.startswith(prefix):
        return None
    return source[len(prefix) :].replace(NAMESPACE_DOT_ESCAPE, ".")
