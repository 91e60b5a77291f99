"""Look for secret values everywhere an execution leaves text behind."""

from __future__ import annotations

import json
import re
import secrets
import string
from collections.abc import Iterable, Mapping
from typing import Any

from local.emulator import Emulator

# IMS tokens the emulator hands out: "emu-" + secrets.token_urlsafe(32) (43 characters).
EMULATOR_TOKEN = re.compile(r"emu-[A-Za-z0-9_-]{40,}")
_BASE32 = string.ascii_uppercase + "234567"
_S3_SECRET = string.ascii_letters + string.digits + "/+"


def random_s3_credentials() -> dict[str, str]:
    """Fresh values shaped as Adobe's S3 auth spec requires, unique to one test."""
    return {
        "s3AccessKey": "AKIA" + "".join(secrets.choice(_BASE32) for _ in range(16)),
        "s3SecretKey": "".join(secrets.choice(_S3_SECRET) for _ in range(40)),
    }


def issued_tokens(emulator: Emulator) -> set[str]:
    """Every access token the emulator has issued."""
    return set(emulator.issued_tokens())


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def find_leaks(needles: Iterable[str], corpora: Mapping[str, str]) -> list[str]:
    """``"<corpus>: <what>"`` for every needle found, naming it by a short prefix only."""
    found = []
    for corpus, text in corpora.items():
        for needle in needles:
            if needle in text:
                found.append(f"{corpus}: {needle[:4]}…")
        for token in EMULATOR_TOKEN.findall(text):
            found.append(f"{corpus}: an IMS access token {token[:8]}…")
    return found
