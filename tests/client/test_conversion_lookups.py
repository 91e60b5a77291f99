"""ConversionClient's name look-ups rely on Data Prep's documented ``name`` filter.

Adobe's list items carry no ``name`` (schemas.md, mapping-set.md): an item answered under the
filter is taken as named so, unless it carries another name (a filter that was not applied).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aep_activation.dataprep.client import ConversionClient
from aep_activation.errors import FlowServiceRejected
from aep_activation.flow_service import FlowServiceClient
from local.emulator import Emulator, Fault

CONVERSION = "/data/foundation/conversion"


def test_items_without_a_name_are_vouched_for_by_the_filter(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    conversion = ConversionClient(client)
    made = conversion.create_schema("ours", {"type": "object", "properties": {}})
    conversion.create_schema("theirs", {"type": "object", "properties": {}})

    found = conversion.find_schemas("ours")

    assert [item["id"] for item in found] == [made["id"]]
    assert "name" not in found[0]
    (request,) = [r for r in emulator.requests if r.method == "GET"]
    assert request.query["name"] == ["ours"]


def test_an_item_naming_another_resource_is_not_taken(
    emulator: Emulator, client: FlowServiceClient
) -> None:
    # A list that ignored the filter: every item comes back, each with its own name.
    answer = {
        "data": [
            {"id": "a" * 32, "version": 0, "name": "theirs", "createdDate": 1},
            {"id": "b" * 32, "version": 2, "name": "ours", "createdDate": 3},
            {"id": "c" * 32, "version": 0, "createdDate": 2},
        ],
        "_page": {"count": 3, "limit": 100},
    }
    emulator.inject(
        Fault.status_code(200, method="GET", path=f"{CONVERSION}/mappingSets", body=answer)
    )

    found = ConversionClient(client).find_mapping_sets("ours")

    assert [item["id"] for item in found] == ["c" * 32, "b" * 32]  # oldest first


@pytest.mark.parametrize("bad_id", ["", "a/b", "a?b", "a#b", "a%2Fb", ".", ".."])
@pytest.mark.parametrize(
    "call",
    [
        lambda c, i: c.get_mapping_set(i, 1),
        lambda c, i: c.get_latest_mapping_set(i),
        lambda c, i: c.update_mapping_set(i, {"mappings": []}),
    ],
    ids=["get", "get-latest", "update"],
)
def test_an_invalid_mapping_set_id_is_rejected_for_good_before_any_call(
    emulator: Emulator,
    client: FlowServiceClient,
    bad_id: str,
    call: Callable[[ConversionClient, str], Any],
) -> None:
    """An id that would change the path is the permanent FlowServiceRejected, as the Flow
    Service client raises for its own ids: not the retried FlowServiceUnavailable, which
    would have the state machine call again with the same id."""
    with pytest.raises(FlowServiceRejected, match="not a valid resource id"):
        call(ConversionClient(client), bad_id)
    assert emulator.requests == []
