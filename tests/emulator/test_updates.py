"""Updates: long polling, webhooks, and everything an emulated person can do."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    MessageEntity,
    MessageOriginHiddenUser,
    MessageOriginUser,
    ReplyKeyboardMarkup,
    Update,
)

from botapi_emulator import EmulatedUser, Emulator, sample_image
from tests.conftest import free_port


async def one_update(bot: Bot) -> Update:
    """The next update, confirming it (as PTB's updater does)."""
    updates = await bot.get_updates(timeout=2)
    assert updates, "no update arrived"
    await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
    return updates[0]


async def test_long_polling_waits_then_returns(bot: Bot, pan: EmulatedUser) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9

    async def later() -> None:
        await asyncio.sleep(0.2)
        await pan.send("hello")

    task = asyncio.create_task(later())
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    await task
    assert time.monotonic() - started < 2
    assert updates[0].message is not None and updates[0].message.text == "hello"


async def test_offset_and_limit(bot: Bot, pan: EmulatedUser) -> None:
    for i in range(5):
        await pan.send(f"m{i}")
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["m0", "m1"]
    # Without a new offset the same updates come again.
    assert [u.update_id for u in await bot.get_updates(limit=2)] == [u.update_id for u in first]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["m2", "m3", "m4"]
    last = await bot.get_updates(offset=-1)
    assert [u.message.text for u in last if u.message] == ["m4"]


async def test_allowed_updates_filters(bot: Bot, pan: EmulatedUser) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    await pan.send("ignored")
    assert await bot.get_updates() == ()
    await bot.get_updates(allowed_updates=[])
    await pan.send("seen")
    assert len(await bot.get_updates()) == 1


async def test_newer_get_updates_ends_older_one(bot: Bot, emulator: Emulator) -> None:
    from telegram.error import Conflict

    older = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    # A second bot instance (PTB keeps a single connection for getUpdates).
    async with Bot(emulator.token, base_url=emulator.api_base_url) as second:
        assert await second.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await older


@pytest.fixture
async def webhook_server() -> AsyncIterator[tuple[str, list[tuple[dict[str, str], dict]]]]:
    """A stand-in for the bot's webhook endpoint recording what the emulator POSTs."""
    received: list[tuple[dict[str, str], dict]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.json()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/hook", received
    finally:
        await runner.cleanup()


async def test_webhook_delivery_with_secret(
    bot: Bot, pan: EmulatedUser, emulator: Emulator, webhook_server: tuple[str, list]
) -> None:
    url, received = webhook_server
    await pan.send("before the webhook")
    assert await bot.set_webhook(url, secret_token="s3cret", allowed_updates=["message"])
    await pan.send("after")
    await emulator.drained()
    assert [body["message"]["text"] for _, body in received] == ["before the webhook", "after"]
    assert all(h["X-Telegram-Bot-Api-Secret-Token"] == "s3cret" for h, _ in received)
    info = await bot.get_webhook_info()
    assert info.url == url and info.pending_update_count == 0
    assert info.allowed_updates == ("message",)
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""


async def test_webhook_failures_are_reported_and_retried(
    bot: Bot, pan: EmulatedUser, emulator: Emulator
) -> None:
    await bot.set_webhook(f"http://127.0.0.1:{free_port()}/nobody-listens")
    await pan.send("lost?")
    for _ in range(1000):
        info = await bot.get_webhook_info()
        if info.last_error_message:
            break
        await asyncio.sleep(0.02)
    assert info.pending_update_count == 1
    assert info.last_error_message and info.last_error_date is not None
    await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_command_has_bot_command_entity(bot: Bot, pan: EmulatedUser) -> None:
    await pan.send("/start invite_AbC-123")
    message = (await one_update(bot)).message
    assert message is not None and message.from_user is not None
    assert message.from_user.language_code == "zh"
    assert message.from_user.full_name == "Pan Guangde"
    assert message.entities[0].type == MessageEntity.BOT_COMMAND
    assert message.parse_entity(message.entities[0]) == "/start"


async def test_contacts_own_and_other(bot: Bot, emulator: Emulator, pan: EmulatedUser) -> None:
    await pan.share_contact()
    own = (await one_update(bot)).message
    assert own is not None and own.contact is not None
    assert own.contact.user_id == pan.id and own.contact.phone_number == "+8613800000001"
    friend = emulator.user("Ma Lin", phone="+77010000002")
    await pan.share_contact(friend)
    other = (await one_update(bot)).message
    assert other is not None and other.contact is not None
    assert other.contact.user_id == friend.id != pan.id


async def test_photo_document_album(bot: Bot, pan: EmulatedUser) -> None:
    image = sample_image(1280, 960)
    await pan.send_photo(image, caption="VIN plate")
    message = (await one_update(bot)).message
    assert message is not None and message.caption == "VIN plate"
    assert len(message.photo) == 3 and message.photo[-1].width == 1280
    file = await bot.get_file(message.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == image

    await pan.send_document(b"col1,col2\n1,2\n", "manifest.csv")
    doc = (await one_update(bot)).message
    assert doc is not None and doc.document is not None
    assert doc.document.file_name == "manifest.csv" and doc.document.mime_type == "text/csv"

    await pan.send_album([sample_image(50, 50), sample_image(60, 60)], caption="car")
    updates = await bot.get_updates()
    groups = {u.message.media_group_id for u in updates if u.message}
    assert len(updates) == 2 and len(groups) == 1 and None not in groups


async def test_static_and_live_location(bot: Bot, pan: EmulatedUser) -> None:
    await pan.send_location(44.163, 80.002, horizontal_accuracy=12.5)
    static = (await one_update(bot)).message
    assert static is not None and static.location is not None
    assert static.location.horizontal_accuracy == 12.5 and static.location.live_period is None

    live = await pan.start_live_location(44.2, 80.4, live_period=3600)
    first = (await one_update(bot)).message
    assert first is not None and first.location is not None
    # (PTB warns when live_period is read as an int; check the emulator's side.)
    assert live.message.location == {"latitude": 44.2, "longitude": 80.4, "live_period": 3600}
    assert first.message_id == live.message.message_id
    await live.move(44.18, 80.2, horizontal_accuracy=8)
    edited = (await one_update(bot)).edited_message
    assert edited is not None and edited.location is not None
    assert edited.message_id == first.message_id
    assert edited.location.latitude == pytest.approx(44.18)
    assert edited.edit_date is not None
    await live.stop()
    with pytest.raises(RuntimeError):
        await live.move(1.0, 1.0)


async def test_forwarded_messages(bot: Bot, emulator: Emulator, pan: EmulatedUser) -> None:
    other = emulator.user("Ma Lin", started=True)
    original = await other.send_location(44.0, 80.0)
    await bot.get_updates(offset=-1)  # skip the original
    await pan.forward(original)
    forwarded = (await bot.get_updates(offset=-1))[0].message
    assert forwarded is not None and forwarded.location is not None
    assert isinstance(forwarded.forward_origin, MessageOriginUser)
    assert forwarded.forward_origin.sender_user.id == other.id

    await pan.forward_from("Someone Hidden", text="old photo")
    hidden = (await bot.get_updates(offset=-1))[0].message
    assert hidden is not None and isinstance(hidden.forward_origin, MessageOriginHiddenUser)


async def test_sticker_and_voice(bot: Bot, pan: EmulatedUser) -> None:
    await pan.send_sticker("🚗")
    await pan.send_voice(duration=3)
    updates = await bot.get_updates()
    sticker, voice = (u.message for u in updates)
    assert sticker is not None and sticker.sticker is not None and sticker.sticker.emoji == "🚗"
    assert voice is not None and voice.voice is not None
    assert voice.voice.mime_type == "audio/ogg"
    assert bytes(await (await voice.voice.get_file()).download_as_bytearray()).startswith(b"OggS")


async def test_press_checks_the_current_keyboard(bot: Bot, pan: EmulatedUser) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Accept", callback_data="acc")]])
    sent = await bot.send_message(pan.id, "Trip", reply_markup=keyboard)
    seen = await pan.next_message()
    await bot.edit_message_reply_markup(pan.id, sent.message_id, reply_markup=None)
    with pytest.raises(LookupError):
        await pan.press(seen, "Accept")
    await bot.edit_message_reply_markup(pan.id, sent.message_id, reply_markup=keyboard)
    await pan.press(seen, "acc")  # by callback_data works too
    query = (await bot.get_updates(offset=-1))[0].callback_query
    assert query is not None and query.data == "acc"


async def test_reply_keyboard_buttons(bot: Bot, pan: EmulatedUser) -> None:
    keyboard = ReplyKeyboardMarkup(
        [
            [KeyboardButton("Send my phone", request_contact=True)],
            [KeyboardButton("I'm here", request_location=True)],
            ["Help"],
        ]
    )
    await bot.send_message(pan.id, "Register", reply_markup=keyboard)
    shown = await pan.next_message()
    await pan.press(shown, "Send my phone")
    await pan.press(shown, "I'm here", location=(44.16, 80.0))
    await pan.press(shown, "Help")
    contact, location, text = (u.message for u in await bot.get_updates())
    assert contact is not None and contact.contact is not None
    assert contact.contact.user_id == pan.id
    assert location is not None and location.location is not None
    assert text is not None and text.text == "Help"


async def test_block_and_unblock_produce_my_chat_member(bot: Bot, pan: EmulatedUser) -> None:
    await pan.block()
    await pan.unblock()
    statuses = [
        u.my_chat_member.new_chat_member.status
        for u in await bot.get_updates(allowed_updates=Update.ALL_TYPES)
        if u.my_chat_member
    ]
    assert statuses == ["kicked", "member"]


async def test_groups(bot: Bot, emulator: Emulator, pan: EmulatedUser) -> None:
    ma = emulator.user("Ma Lin")
    dispatcher = emulator.user("Zhou Dispatcher")
    await bot.get_updates(allowed_updates=Update.ALL_TYPES)
    group = emulator.group("Horgos dispatch", members=[dispatcher, pan])
    await group.send(pan, "/status@ferryman_bot")
    await group.send(pan, "chatter the bot cannot see (privacy mode)")
    await group.add(ma)
    await group.remove(ma)
    updates = await bot.get_updates()
    kinds = [
        next(k for k in ("my_chat_member", "chat_member", "message") if getattr(u, k) is not None)
        for u in updates
    ]
    assert kinds == [
        "my_chat_member",
        "message",
        "message",
        "chat_member",
        "message",
        "chat_member",
        "message",
    ]
    command = updates[2].message
    assert command is not None and command.chat.type == "group" and command.text
    assert updates[4].message is not None and updates[4].message.new_chat_members[0].id == ma.id

    sent = await bot.send_message(group.id, "Digest: 3 delivered")
    assert (await group.next_message()).text == "Digest: 3 delivered"
    assert sent.chat.title == "Horgos dispatch"

    supergroup = emulator.group("Ops", members=[pan], supergroup=True, username="ops_chat")
    assert str(supergroup.id).startswith("-100")
    assert (await bot.send_message("@ops_chat", "hi")).chat.type == "supergroup"
