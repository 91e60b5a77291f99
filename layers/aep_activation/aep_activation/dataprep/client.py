"""ConversionClient: Adobe's Data Prep API (``/data/foundation/conversion``), the part the new
file-based cards need: mapper schemas and mapping sets.

It rides on the Platform gateway (:meth:`~aep_activation.platform_api.PlatformApi.api_at`: the
same token, headers, error taxonomy, and check of the ids put in a path); lists
page with ``start``/``limit`` and answer ``{"data": [...]}`` (Data Prep's ``MapperSetPage``).
"""

from __future__ import annotations

from typing import Any

from aep_activation.errors import FlowServiceUnavailable
from aep_activation.flow_service import FlowServiceClient
from aep_activation.platform_api import path_segment

CONVERSION_PATH = "/data/foundation/conversion"
PAGE_SIZE = 100
_MAX_PAGES = 100  # 10,000 resources of one name: far beyond any real sandbox


class ConversionClient:
    def __init__(self, flow_service: FlowServiceClient) -> None:
        self._http = flow_service.api_at(CONVERSION_PATH)

    @property
    def sandbox(self) -> str:
        return self._http.sandbox

    # --- schemas -------------------------------------------------------------------------

    def find_schemas(self, name: str) -> list[dict[str, Any]]:
        """The schemas answered under the documented ``name`` filter, oldest first. The name
        is the ``name`` of the create body (schemas.md, "Create a schema": "The name of the
        schema you want to create"); list items carry none (see :meth:`_named`)."""
        return self._named("/schemas", name)

    def create_schema(self, name: str, json_schema: dict[str, Any]) -> dict[str, Any]:
        return self._created("/schemas", {"name": name, "jsonSchema": json_schema})

    # --- mapping sets ----------------------------------------------------------------------

    def find_mapping_sets(self, name: str) -> list[dict[str, Any]]:
        """The mapping sets answered under the documented ``name`` filter, oldest first. The
        name is the mapping set's ``name`` (mapping-set.md: the ``name`` of "Update a mapping
        set" and of the set "Get a mapping set" answers); list items carry none."""
        return self._named("/mappingSets", name)

    def find_mapping_set_by_name(self, name: str) -> dict[str, Any] | None:
        found = self.find_mapping_sets(name)
        return found[0] if found else None

    def create_mapping_set(self, body: dict[str, Any]) -> dict[str, Any]:
        """Answer: ``{id, version, createdDate, ...}`` (Data Prep's ``SimpleRepresentation``)."""
        return self._created("/mappingSets", body)

    def get_mapping_set(self, mapping_id: str, version: int) -> dict[str, Any]:
        answer = self._http.call_json(
            "GET", f"/mappingSets/{path_segment(mapping_id)}", params=[("version", str(version))]
        )
        return _object(answer, "GET /mappingSets/{id}")

    def get_latest_mapping_set(self, mapping_id: str) -> dict[str, Any]:
        """The newest version (``GET /mappingSets/{id}`` without ``version``)."""
        answer = self._http.call_json("GET", f"/mappingSets/{path_segment(mapping_id)}")
        return _object(answer, "GET /mappingSets/{id}")

    def update_mapping_set(self, mapping_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """PUT the new content: Data Prep keeps the old version and answers the new one."""
        answer = self._http.call_json("PUT", f"/mappingSets/{path_segment(mapping_id)}", body=body)
        return _object(answer, "PUT /mappingSets/{id}")

    # --- helpers ---------------------------------------------------------------------------

    def _created(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = _object(self._http.call_json("POST", collection, body=body), f"POST {collection}")
        if not isinstance(answer.get("id"), str):
            raise FlowServiceUnavailable(f"POST {collection}: the answer lacks the new id")
        return answer

    def _named(self, collection: str, name: str) -> list[dict[str, Any]]:
        """Every item ``GET collection?name=`` answers, oldest first.

        Data Prep documents ``name`` as a filter of both lists ("Filters the schemas based on
        name", "Filters mapping sets by name") but shows list items without a ``name``
        (schemas: ``id, version, jsonSchema, schemaRef``). So the filter vouches for an item
        that carries no name; one that carries another name is not ours (a filter that was
        not applied). Callers still confirm an item by its content before using it."""
        matches: list[dict[str, Any]] = []
        for page in range(_MAX_PAGES):
            params = [("start", str(page * PAGE_SIZE)), ("limit", str(PAGE_SIZE)), ("name", name)]
            answer = _object(self._http.call_json("GET", collection, params=params), collection)
            data = answer.get("data")
            if not isinstance(data, list):
                raise FlowServiceUnavailable(f"GET {collection}: the answer lacks its data list")
            matches += [
                d
                for d in data
                if isinstance(d, dict)
                and isinstance(d.get("id"), str)
                and d.get("name", name) == name
            ]
            if len(data) < PAGE_SIZE:
                break
        matches.sort(key=lambda item: _number(item.get("createdDate")))
        return matches


def _object(answer: Any, what: str) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise FlowServiceUnavailable(f"{what}: the answer is not the JSON object expected")
    return answer


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
