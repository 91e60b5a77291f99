"""The rules of Adobe's documents the emulator holds, each with its source.

The emulator refuses what these rules forbid, whoever sends it: it agrees with Adobe's
documents, not with the project under test. Every refusal names the rule and its source
(:meth:`DocumentedRule.refusal`). The excerpts are vendored in ``tests/contract/adobe/docs/``
(with Adobe's licence); ``tests/contract/test_adobe_docs.py`` reads them and checks that each
``quote`` is there and that the emulator's connection specs carry the auth specs the excerpt
shows. A rule without a quote is a choice where the documents are silent: the excerpt
folder's README says which and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

TUTORIAL: Final = "help/destinations/api/activate-segments-file-based-destinations.md"
AD_HOC: Final = "help/destinations/api/ad-hoc-activation-api.md"


@dataclass(frozen=True)
class DocumentedRule:
    key: str
    words: str
    source: str
    """Adobe's document (path in AdobeDocs/experience-platform.en) and section."""
    excerpt: str
    """The vendored excerpt under tests/contract/adobe/docs/."""
    quote: str | None
    """Words of the excerpt that state the rule; None where the documents are silent."""

    def refusal(self, detail: str) -> str:
        return f"{detail}: {self.words} [rule {self.key}; Adobe: {self.source}]"


AUTH_SPEC: Final = DocumentedRule(
    "auth-spec",
    "auth.specName names one of the connection spec's authSpec entries, with every param "
    "that entry requires",
    f"{TUTORIAL}, Create a base connection",
    "file-based-auth-specs.md",
    "look at the `authSpec` of the response",
)
NO_AUTH_SPEC: Final = DocumentedRule(
    "no-auth-spec",
    "this connection spec has no auth spec: its base connection carries no auth",
    f"{TUTORIAL}, Create a base connection (Data Landing Zone)",
    "file-based-auth-specs.md",
    "The Data Landing Zone destination does not require an [!DNL auth spec].",
)
TARGET_SPEC: Final = DocumentedRule(
    "target-spec",
    "target params follow the connection spec's targetSpec, read through its conditionals "
    "(datasetFileType is for dataset exports only)",
    f"{TUTORIAL}, Create a target connection",
    "file-based-target-specs.md",
    "Refer to the `targetSpec` properties provided in the destination's `connection spec`",
)
NO_DOTS_IN_DESTINATION: Final = DocumentedRule(
    "no-dots-in-destination",
    "a mapping destination may not contain dots",
    f"{TUTORIAL}, Create mapping sets",
    "file-based-mapping.md",
    "the `destination` parameter does not accept dots `.`",
)
IDENTITY_SOURCE: Final = DocumentedRule(
    "identity-source",
    "an identity is mapped from identityMap.<namespace>; a dot inside the namespace is "
    "escaped as '//.'",
    f"{TUTORIAL}, Create mapping sets",
    "file-based-mapping.md",
    '"source": "identityMap.Email"',
)
ONE_IDENTITY: Final = DocumentedRule(
    "one-identity",
    "a dataflow's mapping set exports one identity namespace",
    f"{TUTORIAL}, Create mapping sets (its example maps one identity)",
    "file-based-mapping.md",
    None,
)
PROFILE_MAPPING_VERSION: Final = DocumentedRule(
    "profile-mapping-version",
    "profileMapping names a mapping set version that exists in the sandbox",
    f"{TUTORIAL}, Create mapping sets (PATCH the dataflow with the mapping set)",
    "file-based-mapping.md",
    '"path":"/transformations/0/params/profileMapping"',
)

RULES: Final = (
    AUTH_SPEC,
    NO_AUTH_SPEC,
    TARGET_SPEC,
    NO_DOTS_IN_DESTINATION,
    IDENTITY_SOURCE,
    ONE_IDENTITY,
    PROFILE_MAPPING_VERSION,
)
