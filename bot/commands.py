"""The command menus each role sees, per language (setMyCommands).

Drivers' menu is the one for all private chats (per Telegram language); staff get a menu of
their own, scoped to their chat (BotCommandScopeChat) and in their stored language; groups
get none. To add an admin command to the menu, add a line to ``ADMIN_COMMANDS``.
"""

from __future__ import annotations

import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError

from bot.i18n import LANGUAGES, N_, Translator
from bot.roles import Role, admin_ids, checkpoint_ids
from bot.state import AppState

log = logging.getLogger(__name__)

Menu = tuple[tuple[str, str], ...]

DRIVER_COMMANDS: Menu = (
    ("today", N_("Today's assignment and QR code")),
    ("me", N_("My profile and visa-free days")),
    ("problem", N_("Report a problem")),
    ("language", N_("Change language")),
    ("help", N_("How to use the bot")),
)
# Everyone's last lines: who am I, which language, help.
_COMMON: Menu = (
    ("whoami", N_("My Telegram user id")),
    ("language", N_("Change language")),
    ("help", N_("How to use the bot")),
)
CHECKPOINT_COMMANDS: Menu = (("verify", N_("Check a clearance code or a QR photo")), *_COMMON)
ADMIN_COMMANDS: Menu = (
    ("invite", N_("A registration link for a new driver")),
    ("verify", N_("Check a clearance code or a QR photo")),
    ("qrsheet", N_("The day's QR codes as a printable PDF")),
    ("correct", N_("Undo a border crossing pressed by mistake")),
    ("returned", N_("The car of a cancelled trip is back at the yard")),
    # The day (handlers.admin_manifest, admin_board, admin_changes, admin_send).
    ("board", N_("The day: counts, late, flagged, not dispatched")),
    ("late", N_("Today's late trips")),
    ("import", N_("Import a manifest (CSV or XLSX)")),
    ("template", N_("The manifest template")),
    ("assign", N_("One trip for a driver")),
    ("reassign", N_("Give a trip to another driver")),
    ("cancel", N_("Cancel a trip (its code stops verifying)")),
    ("dispatch", N_("Send a day's unsent trips now")),
    ("driver", N_("A driver's profile, visa-free days and trips")),
    ("visa", N_("Drivers in Kazakhstan or near the visa-free limits")),
    ("export", N_("Trips of some days as CSV and XLSX")),
    ("broadcast", N_("A message to every active driver")),
)
OWNER_COMMANDS: Menu = (("admins", N_("Admins and checkpoint staff")),)

MENUS: dict[Role, Menu] = {
    Role.OWNER: (*OWNER_COMMANDS, *ADMIN_COMMANDS, *_COMMON),
    Role.ADMIN: (*ADMIN_COMMANDS, *_COMMON),
    Role.CHECKPOINT: CHECKPOINT_COMMANDS,
    Role.DRIVER: DRIVER_COMMANDS,
}


def menu(tr: Translator, role: Role, language: str) -> list[BotCommand]:
    return [BotCommand(name, tr.get(language, text)) for name, text in MENUS.get(role, ())]


def driver_commands(tr: Translator, language: str) -> list[BotCommand]:
    return menu(tr, Role.DRIVER, language)


async def publish_commands(bot: Bot, tr: Translator) -> None:
    """Drivers' menu for private chats, in the company language and each supported one.

    Nothing for the default scope, which groups fall back to: groups see no menu.
    """
    await bot.delete_my_commands(scope=BotCommandScopeDefault())
    private = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(driver_commands(tr, tr.default_language), scope=private)
    for language in LANGUAGES:
        await bot.set_my_commands(
            driver_commands(tr, language), scope=private, language_code=language
        )


async def set_chat_commands(bot: Bot, tr: Translator, chat_id: int, language: str) -> None:
    """A driver who chose a language in the bot sees the menu in it, whatever the phone says."""
    await set_role_menu(bot, tr, chat_id, Role.DRIVER, language)


async def set_role_menu(bot: Bot, tr: Translator, chat_id: int, role: Role, language: str) -> None:
    """The menu of ``role`` in ``chat_id``'s private chat; strangers get the default back."""
    scope = BotCommandScopeChat(chat_id)
    try:
        if role is Role.STRANGER:
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands(menu(tr, role, language), scope=scope)
    except TelegramError as exc:
        # Someone who never opened the bot has no chat yet: the menu is set at their /start.
        log.warning("could not set the command menu for chat %s: %s", chat_id, exc)


async def publish_staff_menus(bot: Bot, state: AppState) -> None:
    """At start-up: every owner's, admin's and gatekeeper's own menu, in their language."""
    languages = await state.repos.staff.languages()
    default = state.settings.company.default_language
    seen: set[int] = set()
    for role, ids in (
        (Role.OWNER, list(state.settings.company.owners)),
        (Role.ADMIN, await admin_ids(state)),
        (Role.CHECKPOINT, await checkpoint_ids(state)),
    ):
        for telegram_id in ids:
            if telegram_id in seen:
                continue
            seen.add(telegram_id)
            language = languages.get(telegram_id, default)
            await set_role_menu(bot, state.translator, telegram_id, role, language)
