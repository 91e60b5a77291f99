"""``promote --from dev --to prod``: the registry's requests rewritten for the target sandbox,
whose audience ids differ (found there by name), with its own secret from the overrides file;
the plan in the target first, the files only when every plan succeeded; then they apply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aep_cli.promote import audience_ids_by_name
from aep_cli.target import Target
from local.runtime.fake_secrets import fake_destination_secret
from tests.cli.conftest import Deployed, write_requests
from tests.statemachine.harness import example
from tests.support.flows import flow_audiences

NAMES = ("Interested in Mountain Biking", "Loyalty Members")
PROD_SECRET = "aep/destinations/amazon-s3-prod"


def dev_request(stack: Deployed) -> dict[str, Any]:
    """The example's activation in sandbox dev, naming dev's audience ids."""
    request = example("amazon-s3")
    request["sandbox"] = "dev"
    for audience in request["audiences"]:
        audience["id"] = stack.emulator.add_audience(audience["name"], sandbox="dev")
    return request


def overrides(tmp_path: Path) -> Path:
    path = tmp_path / "prod-overrides.json"
    path.write_text(json.dumps({"destination": {"auth": {"secretId": PROD_SECRET}}}))
    return path


def test_a_promotion_names_the_targets_audiences_plans_then_writes_and_applies(
    stack: Deployed, tmp_path: Path
) -> None:
    request = dev_request(stack)
    prod_ids = {name: stack.emulator.add_audience(name, sandbox="prod") for name in NAMES}
    stack.emulator.add_audience("Loyalty Members (old)", sandbox="prod")  # contains, not equal
    stack.stack.seed_secret(PROD_SECRET, fake_destination_secret(request))
    assert stack.cli("apply", str(write_requests(tmp_path / "dev", [request]))).code == 0
    out = tmp_path / "prod"

    done = stack.cli(
        "promote",
        "--from",
        "dev",
        "--to",
        "prod",
        "--overrides",
        str(overrides(tmp_path)),
        "--out",
        str(out),
    )

    assert done.code == 0, done.out + done.err
    plan_row = next(
        line for line in done.out.splitlines() if line.startswith("prod/summer-sale-s3")
    )
    assert "plan" in plan_row
    assert "create" in plan_row  # nothing of it exists in prod yet
    promoted = json.loads((out / "summer-sale-s3.json").read_text())
    assert promoted["sandbox"] == "prod"
    assert [a["id"] for a in promoted["audiences"]] == [prod_ids[name] for name in NAMES]
    assert promoted["destination"]["auth"]["secretId"] == PROD_SECRET
    assert "operation" not in promoted
    assert stack.emulator.list_resources("flows", "prod") == []  # the plan made nothing

    applied = stack.cli("apply", str(out))

    assert applied.code == 0, applied.out + applied.err
    (flow,) = stack.emulator.list_resources("flows", "prod")
    assert [a["id"] for a in flow_audiences(flow)] == [prod_ids[name] for name in NAMES]


def test_an_audience_missing_in_the_target_is_named_and_nothing_is_written(
    stack: Deployed, tmp_path: Path
) -> None:
    request = dev_request(stack)
    stack.emulator.add_audience(NAMES[0], sandbox="prod")  # the other is not there
    assert stack.cli("apply", str(write_requests(tmp_path / "dev", [request]))).code == 0
    out = tmp_path / "prod"

    done = stack.cli("promote", "--from", "dev", "--to", "prod", "--out", str(out))

    assert done.code == 1
    assert "nothing written" in done.err
    assert f"audiences.1.name: {NAMES[1]!r} has none of that name in sandbox prod" in done.err
    assert not out.exists()


def test_an_overrides_file_may_not_set_what_promote_sets(stack: Deployed, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"activations": {"x": {"sandbox": "prod"}}}))

    done = stack.cli("promote", "--from", "dev", "--to", "prod", "--overrides", str(path))

    assert done.code == 64
    assert "activations.x.sandbox: is set by promote" in done.err


def test_audiences_are_found_by_exact_name_across_pages(stack: Deployed) -> None:
    # Adobe's name filter matches on "contains": 119 near-misses come first, over 3 pages.
    for i in range(119):
        stack.emulator.add_audience(f"Members {i:03d}", sandbox="prod")
    wanted = stack.emulator.add_audience("Members", sandbox="prod")
    stack.emulator.add_audience("Members", sandbox="dev")  # another sandbox: not seen
    target = Target(
        description="test",
        state_machine_arn="",
        registry=stack.registry,
        stepfunctions=None,
        secretsmanager=stack.stack.secretsmanager,
        platform_url=stack.emulator.platform_url,
        ims_url=stack.emulator.ims_url,
        credentials_secret=_credentials_secret(stack),
    )

    found = audience_ids_by_name(target.adobe("prod"), ["Members", "Nope"])

    assert found == {"Members": [wanted], "Nope": []}
    pages = [r for r in stack.emulator.requests if r.path.endswith("/audiences")]
    assert len(pages) == 4  # three for Members (50 + 50 + 20), one for Nope


def _credentials_secret(stack: Deployed) -> str:
    from tests.support.stack import adobe_credentials_secret_name

    return adobe_credentials_secret_name(stack.stack)
