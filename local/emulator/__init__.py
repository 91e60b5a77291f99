"""A Flow Service + Adobe IMS emulator over real HTTP (see docs/internals.md, "Emulator").

from local.emulator import Emulator, Fault, DEFAULT_CLIENT

with Emulator() as emulator:
    emulator.platform_url   # PLATFORM_URL
    emulator.ims_url        # IMS_URL
    emulator.inject(Fault.status_code(503, method="POST", path="/flows"))
"""

from local.emulator.emulator import Emulator
from local.emulator.faults import Fault, FaultKind
from local.emulator.ims import DEFAULT_CLIENT, DEFAULT_SCOPES, ImsClient
from local.emulator.masking import MASK, REDACTED
from local.emulator.recording import RecordedRequest

__all__ = [
    "DEFAULT_CLIENT",
    "DEFAULT_SCOPES",
    "MASK",
    "REDACTED",
    "Emulator",
    "Fault",
    "FaultKind",
    "ImsClient",
    "RecordedRequest",
]
