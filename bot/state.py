"""Typed state shared with handlers through ``bot_data`` (no module globals)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clearance import ClearanceService
from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Translator
from storage.repositories import Repositories


@dataclass(slots=True)
class AppState:
    settings: Settings
    repos: Repositories
    translator: Translator
    clock: Clock
    clearance: ClearanceService


class BotData:
    """PTB creates this with no arguments; ``state`` is filled in at start-up."""

    def __init__(self) -> None:
        self.state: AppState | None = None


class FerrymanContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def state(self) -> AppState:
        state = self.bot_data.state
        if state is None:
            raise RuntimeError("Ferryman state used before start-up finished")
        return state


FerrymanApp = Application[
    ExtBot[Any], FerrymanContext, dict[Any, Any], dict[Any, Any], BotData, Any
]
