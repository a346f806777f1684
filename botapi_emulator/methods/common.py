"""What every method needs: the call context, the registry, and the shared checks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botapi_emulator.errors import (
    CAPTION_TOO_LONG,
    TEXT_EMPTY,
    TEXT_TOO_LONG,
    WRONG_FILE,
    bad_request,
)
from botapi_emulator.files import image_info
from botapi_emulator.flood import FloodControl
from botapi_emulator.formatting import apply_parse_mode, strip_text, u16len
from botapi_emulator.models import JSON, BotState, Chat, StoredMessage
from botapi_emulator.params import Params, Upload
from botapi_emulator.world import World

if TYPE_CHECKING:
    from botapi_emulator.webhook import WebhookDelivery

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64


@dataclass(slots=True)
class Call:
    world: World
    bot: BotState
    params: Params
    flood: FloodControl
    webhooks: WebhookDelivery
    closing: asyncio.Event
    method_name: str  # lower case


Method = Callable[[Call], Awaitable[Any]]
METHODS: dict[str, Method] = {}


def method(*names: str) -> Callable[[Method], Method]:
    """Register a method under its Bot API names (looked up case-insensitively)."""

    def register(func: Method) -> Method:
        for name in names:
            METHODS[name.lower()] = func
        return func

    return register


def parse_text(p: Params, text_key: str, mode_key: str, entities_key: str) -> tuple[str, JSON]:
    """Plain text and its entities, with parse_mode applied and whitespace trimmed."""
    raw = p.text(text_key) or ""
    entities = p.json(entities_key)
    text, found = apply_parse_mode(raw, p.text(mode_key), entities)
    text, found = strip_text(text, found)
    extra: JSON = {entities_key: found} if found else {}
    return text, extra


def message_text(p: Params) -> JSON:
    text, extra = parse_text(p, "text", "parse_mode", "entities")
    if not text:
        raise bad_request(TEXT_EMPTY)
    if u16len(text) > MAX_TEXT:
        raise bad_request(TEXT_TOO_LONG)
    content: JSON = {"text": text}
    if extra:
        content["entities"] = extra["entities"]
    preview = p.json("link_preview_options")
    if preview:
        content["link_preview_options"] = preview
    return content


def caption(p: Params, key: str = "caption") -> JSON:
    text, extra = parse_text(p, key, "parse_mode", "caption_entities")
    if u16len(text) > MAX_CAPTION:
        raise bad_request(CAPTION_TOO_LONG)
    content: JSON = {}
    if text:
        content["caption"] = text
        content.update(extra)
    if p.flag("show_caption_above_media"):
        content["show_caption_above_media"] = True
    if p.flag("has_spoiler"):
        content["has_media_spoiler"] = True
    return content


def _button_rows(rows: Any, name: str) -> list[list[Any]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'field "{name}" of the reply markup must be an Array of Arrays')
    return rows


def split_markup(p: Params, chat: Chat) -> tuple[JSON | None, JSON | None]:
    """(inline keyboard for the message, reply keyboard for the chat) from reply_markup."""
    markup = p.json("reply_markup")
    if markup is None:
        return None, None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        for row in _button_rows(markup["inline_keyboard"], "inline_keyboard"):
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise bad_request("text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                    raise bad_request("BUTTON_DATA_INVALID")
        return {"inline_keyboard": markup["inline_keyboard"]}, None
    if "keyboard" in markup:
        rows = _button_rows(markup["keyboard"], "keyboard")
        normal = [[b if isinstance(b, dict) else {"text": str(b)} for b in row] for row in rows]
        return None, {**markup, "keyboard": normal}
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return None, markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def reply_target(call: Call, chat: Chat) -> StoredMessage | None:
    params = call.params.json("reply_parameters") or {}
    message_id = params.get("message_id") or call.params.integer("reply_to_message_id")
    if not message_id:
        return None
    target_chat = params.get("chat_id", chat.id)
    found = call.bot.find_message(int(target_chat), int(message_id))
    if found is None:
        if params.get("allow_sending_without_reply") or call.params.flag(
            "allow_sending_without_reply"
        ):
            return None
        raise bad_request("message to be replied not found")
    return found


def send(call: Call, chat: Chat, content: JSON, *, count: bool = True) -> StoredMessage:
    """Record a message from the bot after the flood check; the common end of send* methods."""
    inline, keyboard = split_markup(call.params, chat)
    reply_to = reply_target(call, chat)
    if count:
        call.flood.check(call.bot.id, chat.id, chat.is_group)
    if inline is not None:
        content["reply_markup"] = inline
    if call.params.flag("protect_content"):
        content["has_protected_content"] = True
    return call.world.new_message(
        call.bot,
        chat,
        call.bot.user,
        content,
        from_bot=True,
        reply_to=reply_to,
        reply_keyboard=keyboard,
    )


def target_chat(call: Call) -> Chat:
    return call.world.chat_for_bot(call.bot, call.params.chat_id())


async def store_photo(call: Call, source: Upload | str | None) -> list[JSON]:
    if source is None:
        raise bad_request("there is no photo in the request")
    if isinstance(source, str):
        return _reuse(call, source, "photo")
    # Thumbnails are CPU work; keep the event loop (and the bot under test) responsive.
    info = await asyncio.to_thread(image_info, source.data)
    if info is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    sizes: list[JSON] = call.world.files.add_photo(source.data, info)
    return sizes


def store_document(call: Call, source: Upload | str | None) -> JSON:
    if source is None:
        raise bad_request("there is no document in the request")
    if isinstance(source, str):
        reused: JSON = _reuse(call, source, "document")
        return reused
    return call.world.files.add_document(source.data, source.filename, source.content_type)


def _reuse(call: Call, value: str, kind: str) -> Any:
    if value.startswith(("http://", "https://")):
        # Nothing here reaches the internet; Telegram says this when it cannot fetch a URL.
        raise bad_request("failed to get HTTP URL content")
    if not value:
        raise bad_request(WRONG_FILE)
    return call.world.files.reuse(value, kind)
