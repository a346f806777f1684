"""Typed state shared with handlers through ``bot_data`` (no module globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clearance import ClearanceService
from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Translator
from bot.network import ApiContact
from bot.outbox.sender import Outbox
from storage.repositories import Repositories

if TYPE_CHECKING:
    from bot.roles import Caller


@dataclass(slots=True)
class AppState:
    settings: Settings
    repos: Repositories
    translator: Translator
    clock: Clock
    clearance: ClearanceService
    outbox: Outbox  # the one sender; ``state.outbox.wake()`` after adding rows
    # The dispatch group's chat id as it is now: the settings' one, or the supergroup it was
    # upgraded to (bot.groups follows the migration and start-up reads it back).
    group_chat_id: int | None = field(init=False)

    def __post_init__(self) -> None:
        self.group_chat_id = self.settings.company.group_chat_id


class BotData:
    """PTB creates this with no arguments; ``state`` is filled in at start-up."""

    def __init__(self) -> None:
        self.state: AppState | None = None
        # Pending-input dialogs by kind, filled by the handler modules' register(app)
        # (handlers.router.add_dialog); typed loosely here: bot/ does not import handlers/.
        self.dialogs: dict[Any, Any] = {}
        # When the Bot API last answered (set by build_application, read by health checks).
        self.api_contact = ApiContact()


class FerrymanContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def state(self) -> AppState:
        state = self.bot_data.state
        if state is None:
            raise RuntimeError("Ferryman state used before start-up finished")
        return state

    # PTB makes one context per update and hands it to every handler group in turn, so the
    # caller resolved in the first group (handlers.caller) is there for all later ones.
    _caller: Caller | None = None

    @property
    def caller(self) -> Caller:
        """Who sent this update: set by the first handler group for every update."""
        if self._caller is None:
            raise RuntimeError("context.caller used before the caller group ran")
        return self._caller

    @property
    def caller_or_none(self) -> Caller | None:
        """The caller where it may not be resolved (error handlers, jobs)."""
        return self._caller

    def set_caller(self, caller: Caller) -> None:
        self._caller = caller


FerrymanApp = Application[
    ExtBot[Any], FerrymanContext, dict[Any, Any], dict[Any, Any], BotData, Any
]
