"""Sending, editing and deleting messages, and answering button presses."""

from __future__ import annotations

import secrets
from typing import Any

from botapi_emulator.errors import NOT_MODIFIED, QUERY_TOO_OLD, bad_request
from botapi_emulator.formatting import u16len
from botapi_emulator.methods.common import (
    Call,
    caption,
    message_text,
    method,
    send,
    split_markup,
    store_document,
    store_photo,
    target_chat,
)
from botapi_emulator.models import JSON, StoredMessage
from botapi_emulator.params import Params

LIVE_FOREVER = 0x7FFFFFFF
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


@method("sendMessage")
async def send_message(call: Call) -> JSON:
    chat = target_chat(call)
    return send(call, chat, message_text(call.params)).data


@method("sendPhoto")
async def send_photo(call: Call) -> JSON:
    chat = target_chat(call)
    content = caption(call.params)
    content["photo"] = await store_photo(call, call.params.file("photo"))
    return send(call, chat, content).data


@method("sendDocument")
async def send_document(call: Call) -> JSON:
    chat = target_chat(call)
    content = caption(call.params)
    content["document"] = store_document(call, call.params.file("document"))
    return send(call, chat, content).data


@method("sendMediaGroup")
async def send_media_group(call: Call) -> list[JSON]:
    chat = target_chat(call)
    media = call.params.json("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("media group must include 2-10 items")
    kinds = {item.get("type") for item in media if isinstance(item, dict)}
    if not kinds <= {"photo", "document"}:
        raise bad_request("unsupported media type in the album")
    if len(kinds) > 1:
        raise bad_request("document can't be mixed with other media types")
    contents: list[JSON] = []
    for item in media:
        item_params = Params(
            {
                "caption": item.get("caption"),
                "parse_mode": item.get("parse_mode"),
                "caption_entities": item.get("caption_entities"),
                "show_caption_above_media": item.get("show_caption_above_media"),
                "has_spoiler": item.get("has_spoiler"),
            }
        )
        content = caption(item_params)
        source = call.params.resolve_media(str(item.get("media", "")))
        if item["type"] == "photo":
            content["photo"] = await store_photo(call, source)
        else:
            content["document"] = store_document(call, source)
        contents.append(content)
    # An album counts as one message for flood control; all items share media_group_id.
    call.flood.check(call.bot.id, chat.id, chat.is_group)
    group_id = str(secrets.randbits(60))
    sent: list[JSON] = []
    for content in contents:
        content["media_group_id"] = group_id
        sent.append(send(call, chat, content, count=False).data)
    return sent


def _location(p: Params) -> JSON:
    latitude, longitude = p.number("latitude"), p.number("longitude")
    if latitude is None or longitude is None:
        raise bad_request("latitude and longitude are required")
    if not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
        raise bad_request("wrong location specified")
    location: JSON = {"latitude": latitude, "longitude": longitude}
    accuracy = p.number("horizontal_accuracy")
    if accuracy is not None:
        if not 0 <= accuracy <= 1500:
            raise bad_request("wrong horizontal accuracy specified")
        location["horizontal_accuracy"] = accuracy
    return location


@method("sendLocation")
async def send_location(call: Call) -> JSON:
    chat = target_chat(call)
    location = _location(call.params)
    live_period = call.params.integer("live_period")
    if live_period is not None:
        if not (60 <= live_period <= 86400 or live_period == LIVE_FOREVER):
            raise bad_request("wrong live period specified")
        location["live_period"] = live_period
        for key in ("heading", "proximity_alert_radius"):
            value = call.params.integer(key)
            if value is not None:
                location[key] = value
    return send(call, chat, {"location": location}).data


@method("sendVenue")
async def send_venue(call: Call) -> JSON:
    chat = target_chat(call)
    location = _location(call.params)
    venue: JSON = {
        "location": location,
        "title": call.params.require_text("title"),
        "address": call.params.require_text("address"),
    }
    for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
        value = call.params.text(key)
        if value:
            venue[key] = value
    return send(call, chat, {"venue": venue, "location": location}).data


@method("sendVoice")
async def send_voice(call: Call) -> JSON:
    chat = target_chat(call)
    content = caption(call.params)
    source = call.params.file("voice")
    if source is None:
        raise bad_request("there is no voice in the request")
    if isinstance(source, str):
        if not source:
            raise bad_request("wrong file identifier/HTTP URL specified")
        content["voice"] = call.world.files.reuse(source, "voice")
    else:
        duration = call.params.integer("duration") or 1
        content["voice"] = call.world.files.add_voice(source.data, duration)
    return send(call, chat, content).data


@method("sendContact")
async def send_contact(call: Call) -> JSON:
    chat = target_chat(call)
    contact: JSON = {
        "phone_number": call.params.require_text("phone_number"),
        "first_name": call.params.require_text("first_name"),
    }
    for key in ("last_name", "vcard"):
        value = call.params.text(key)
        if value:
            contact[key] = value
    return send(call, chat, {"contact": contact}).data


@method("sendChatAction")
async def send_chat_action(call: Call) -> bool:
    target_chat(call)
    if call.params.text("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


# --- edits -----------------------------------------------------------------------------


def _editable(call: Call) -> StoredMessage:
    if call.params.text("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = target_chat(call)
    message_id = call.params.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = call.bot.find_message(chat.id, message_id)
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def _apply_edit(
    call: Call, message: StoredMessage, changes: JSON, removed: tuple[str, ...]
) -> JSON:
    chat = call.world.chats[message.chat_id]
    inline, _ = split_markup(call.params, chat)
    new = {key: value for key, value in message.data.items() if key not in removed}
    new.update(changes)
    if inline is not None:
        new["reply_markup"] = inline
    else:
        # Telegram drops the inline keyboard when an edit does not repeat it.
        new.pop("reply_markup", None)
    before = {k: v for k, v in message.data.items() if k != "edit_date"}
    after = {k: v for k, v in new.items() if k != "edit_date"}
    if before == after:
        raise bad_request(NOT_MODIFIED)
    message.history.append(dict(message.data))
    new["edit_date"] = call.world.timestamp()
    message.data.clear()
    message.data.update(new)
    call.bot.changed.fire()
    return message.data


@method("editMessageText")
async def edit_message_text(call: Call) -> JSON:
    message = _editable(call)
    if "text" not in message.data:
        raise bad_request("there is no text in the message to edit")
    content = message_text(call.params)
    return _apply_edit(call, message, content, ("text", "entities", "link_preview_options"))


_MEDIA_KEYS = ("photo", "document", "video", "audio", "animation", "voice")


@method("editMessageCaption")
async def edit_message_caption(call: Call) -> JSON:
    message = _editable(call)
    if not any(key in message.data for key in _MEDIA_KEYS):
        raise bad_request("there is no caption in the message to edit")
    content = caption(call.params)
    return _apply_edit(call, message, content, ("caption", "caption_entities"))


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> JSON:
    message = _editable(call)
    return _apply_edit(call, message, {}, ())


@method("deleteMessage")
async def delete_message(call: Call) -> bool:
    chat = target_chat(call)
    message = call.bot.find_message(chat.id, call.params.require_integer("message_id"))
    if message is None:
        raise bad_request("message to delete not found")
    message.deleted = True
    call.bot.changed.fire()
    return True


@method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    query = call.bot.callback_queries.get(call.params.text("callback_query_id") or "")
    if query is None or query.answer is not None:
        raise bad_request(QUERY_TOO_OLD)
    text = call.params.text("text")
    if text is not None and u16len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    answer: dict[str, Any] = {
        "text": text,
        "show_alert": call.params.flag("show_alert"),
        "url": call.params.text("url"),
        "cache_time": call.params.integer("cache_time", 0),
    }
    query.answer = answer
    query.answered.fire()
    return True
