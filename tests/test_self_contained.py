"""A clone of the repository is all a user has: nothing it runs may read beside it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# A path that climbs out of the repository into a sibling folder (the reference folder the
# developers keep beside the clone, or ``parents[2] / ".."``).
OUTSIDE = re.compile(r"\.\./(shared|seed|adobe|design)\b|parents\[\d\]\s*/\s*\"\.\.\"")


def test_no_tracked_file_reads_beside_the_clone() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.split()
    offenders = []
    for name in tracked:
        path = REPO / name
        if path.suffix not in {".py", ".md", ".toml", ".yaml", ".yml", ".json", ".cfg"} and (
            path.name not in {"Makefile", "run"}
        ):
            continue
        if name == "tests/test_self_contained.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert not offenders, "files that read outside the repository:\n" + "\n".join(offenders)
