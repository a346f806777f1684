"""The admin console's office, shared by the end-to-end tests of import and of the board.

Modules whose office differs (other drivers, see test_admin_changes and test_admin_send)
define an ``office`` fixture of their own, which pytest prefers to this one.
"""

from __future__ import annotations

import pytest

from bot.state import FerrymanApp
from botapi_emulator import EmulatedUser, Emulator
from tests.conftest import StartFerryman
from tests.e2e.admin_helpers import add_driver

# Checkpoint staff named in the settings: may /verify, and is refused every admin command.
CHECKPOINT_ID = 900_000_077


@pytest.fixture
async def office(
    emulator: Emulator, start_ferryman: StartFerryman
) -> tuple[FerrymanApp, EmulatedUser, EmulatedUser]:
    """An English-speaking owner; 潘广德 (in Telegram, reads Chinese) and Marat (a Russian
    speaker not in Telegram yet) are registered drivers."""
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(
        owners=(owner.id,), extra={"clearance": {"checkpoint_users": [CHECKPOINT_ID]}}
    )
    pan = emulator.user("Pan Guangde", lang="zh", started=True)
    await add_driver(app, pan, "潘广德", "8613900000001")
    await add_driver(app, None, "Marat", "+77011234567", language="ru")
    return app, owner, pan
