"""The bot itself and its chats: getMe, files, command menus, getChat, leaveChat, settings."""

from __future__ import annotations

import re
from typing import Any

from botapi_emulator.errors import CHAT_NOT_FOUND, INVALID_FILE_ID, bad_request, forbidden
from botapi_emulator.files import MAX_DOWNLOAD
from botapi_emulator.methods.common import Call, method
from botapi_emulator.models import JSON

_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
CommandKey = tuple[str, int | None, int | None, str]


@method("getMe")
async def get_me(call: Call) -> JSON:
    data = call.bot.user.api()
    data.update(
        can_join_groups=True,
        can_read_all_group_messages=not call.bot.privacy,
        supports_inline_queries=False,
        can_connect_to_business=False,
        has_main_web_app=False,
    )
    return data


@method("getFile")
async def get_file(call: Call) -> JSON:
    stored = call.world.files.get(call.params.text("file_id") or "")
    if stored is None:
        raise bad_request(INVALID_FILE_ID)
    if len(stored.data) > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return stored.file_object()


def command_key(call: Call) -> CommandKey:
    scope = call.params.json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
        raise bad_request("wrong scope type specified")
    chat_id: int | None = None
    user_id: int | None = None
    if scope["type"] in ("chat", "chat_administrators", "chat_member"):
        raw = scope.get("chat_id")
        chat = call.world.resolve_chat(raw if isinstance(raw, str) else int(raw or 0))
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND)
        chat_id = chat.id
        if scope["type"] == "chat_member":
            user_id = int(scope.get("user_id") or 0)
            if user_id not in call.world.users:
                raise bad_request("user not found")
    language = call.params.text("language_code") or ""
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    return scope["type"], chat_id, user_id, language


@method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    commands = call.params.json("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands must be an array of at most 100 BotCommand")
    clean: list[JSON] = []
    for command in commands:
        name = str(command.get("command", "")) if isinstance(command, dict) else ""
        name = name.removeprefix("/").lower()
        description = str(command.get("description", "")) if isinstance(command, dict) else ""
        if not _COMMAND_RE.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        clean.append({"command": name, "description": description})
    key = command_key(call)
    if clean:
        call.bot.commands[key] = clean
    else:
        call.bot.commands.pop(key, None)
    return True


@method("getMyCommands")
async def get_my_commands(call: Call) -> list[JSON]:
    return list(call.bot.commands.get(command_key(call), []))


@method("deleteMyCommands")
async def delete_my_commands(call: Call) -> bool:
    call.bot.commands.pop(command_key(call), None)
    return True


@method("getChat")
async def get_chat(call: Call) -> JSON:
    chat = call.world.resolve_chat(call.params.chat_id())
    if chat is None:
        raise bad_request(CHAT_NOT_FOUND)
    data = chat.api()
    data.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    if chat.is_group:
        data["permissions"] = {"can_send_messages": True}
    return data


@method("leaveChat")
async def leave_chat(call: Call) -> bool:
    chat = call.world.resolve_chat(call.params.chat_id())
    if chat is None:
        raise bad_request(CHAT_NOT_FOUND)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    if call.bot.id not in chat.bots:
        kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
        raise forbidden(f"bot is not a member of the {kind}")
    call.world.remove_bot_from_group(chat, call.bot, None)
    return True


# The bot's profile texts per language: (parameter, result field, Telegram's length limit).
_TEXT_SETTINGS = {
    "setmydescription": ("description", "description", 512),
    "setmyshortdescription": ("short_description", "short_description", 120),
    "setmyname": ("name", "name", 64),
}


@method("setMyDescription", "setMyShortDescription", "setMyName")
async def set_text_setting(call: Call) -> bool:
    param, _, limit = _TEXT_SETTINGS[call.method_name]
    language = call.params.text("language_code") or ""
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    value = call.params.text(param) or ""
    # Telegram counts UTF-16 code units, as for message texts.
    if len(value.encode("utf-16-le")) // 2 > limit:
        raise bad_request(f"{param.replace('_', ' ')} is too long")
    call.bot.texts[f"{param}:{language}"] = value
    return True


@method("getMyDescription", "getMyShortDescription", "getMyName")
async def get_text_setting(call: Call) -> dict[str, Any]:
    param, field, _ = _TEXT_SETTINGS["set" + call.method_name.removeprefix("get")]
    language = call.params.text("language_code") or ""
    value = call.bot.texts.get(f"{param}:{language}", "")
    if param == "name" and not value:
        value = call.bot.user.first_name
    return {field: value}


@method("setChatMenuButton", "setMyDefaultAdministratorRights")
async def accepted(call: Call) -> bool:
    return True
