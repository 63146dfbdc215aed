"""A roster read that the test holds: it runs where the bot reads rosters (its worker process) and waits for a gate."""
from __future__ import annotations

import time
from pathlib import Path

from roster.parse import ParsedFile, read_roster

# Only a bot that reads rosters on its event loop makes the gate wait this long: the test cannot open it then.
HOLD_AT_MOST = 20.0


def held_read_roster(gate: str, data: bytes) -> ParsedFile:
    """Say the read has started (`gate`.started), wait until `gate` exists, then read the roster."""
    Path(gate + ".started").touch()
    given_up = time.monotonic() + HOLD_AT_MOST
    while not Path(gate).exists() and time.monotonic() < given_up:
        time.sleep(0.01)
    return read_roster(data)
