"""Telegram in and out only: parse, authorize, call bot/ services, reply.

Each module adds its own handlers with ``register(app)``; the order of the handler groups
(who is speaking, gates, the pending-input router, the modules, the fallbacks) is explained
in ``handlers.registry``. How to add a command, a guarded admin command or a dialog:
/work/coord/console.md (and the docstrings of registry, guards and router).
"""

from __future__ import annotations

from bot.state import FerrymanApp
from handlers import (
    admin,
    admin_board,
    admin_changes,
    admin_manifest,
    admin_send,
    caller,
    chat_guard,
    clearance,
    corrections,
    driver,
    fallback,
    groups,
    handover,
    onboarding,
    pickup,
    problem_report,
    proof,
    reachability,
    router,
    staff,
    text,
    trip,
    visa,
)
from handlers.errors import on_error

# Order matters only inside the MAIN group, where the first matching handler wins:
# clearance's captioned /verify photo comes before proof's photo handler.
MODULES = (
    clearance,
    staff,  # before onboarding: /start with a staff link
    handover,  # before onboarding: /start with a receiver's handover link
    corrections,
    onboarding,
    driver,
    admin,
    admin_manifest,
    admin_board,
    admin_changes,
    admin_send,
    trip,
    pickup,
    problem_report,
    proof,
    text,
    visa,
)


def register_handlers(app: FerrymanApp) -> None:
    chat_guard.register(app)
    caller.register(app)
    groups.register(app)
    router.register(app)
    reachability.register(app)
    for module in MODULES:
        module.register(app)
    fallback.register(app)
    app.add_error_handler(on_error)
