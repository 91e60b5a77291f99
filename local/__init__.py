"""Local-only pieces: the Flow Service + IMS emulator and the local runtime. Never deployed."""
