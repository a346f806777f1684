"""Every Bot API method the emulator serves, driven through PTB's ``telegram.Bot``."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    ChatFullInfo,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    KeyboardButton,
    Message,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import ParseMode

from botapi_emulator import EmulatedUser, Emulator, Press, sample_image
from tests.conftest import FIXED_NOW


async def test_get_me(bot: Bot, emulator: Emulator) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.id == emulator.bot.id
    assert me.username == "ferryman_bot"
    assert me.can_join_groups and not me.can_read_all_group_messages


async def test_send_message_reaches_the_user(bot: Bot, pan: EmulatedUser) -> None:
    sent = await bot.send_message(pan.id, "Your car: LFV2A21K8M3000001")
    assert isinstance(sent, Message)
    assert sent.text == "Your car: LFV2A21K8M3000001"
    assert sent.chat.id == pan.id and sent.chat.type == "private"
    assert sent.from_user is not None and sent.from_user.is_bot
    # The emulator's clock (the fixed test clock) dates messages.
    assert sent.date == FIXED_NOW
    received = await pan.next_message()
    assert received.message_id == sent.message_id
    assert received.text == sent.text


async def test_message_ids_increase_per_chat(bot: Bot, emulator: Emulator) -> None:
    a = emulator.user("A", started=True)
    b = emulator.user("B", started=True)
    ids_a = [(await bot.send_message(a.id, f"a{i}")).message_id for i in range(3)]
    ids_b = [(await bot.send_message(b.id, "b")).message_id]
    assert ids_a == [1, 2, 3]
    assert ids_b == [1]


async def test_html_and_markdown_become_entities(bot: Bot, pan: EmulatedUser) -> None:
    html = await bot.send_message(
        pan.id, "<b>VIN</b> 到达 <a href='https://example.org'>lot</a> &lt;ok&gt;", ParseMode.HTML
    )
    assert html.text == "VIN 到达 lot <ok>"
    assert [(e.type, e.offset, e.length) for e in html.entities] == [
        (MessageEntity.BOLD, 0, 3),
        (MessageEntity.TEXT_LINK, 7, 3),
    ]
    md = await bot.send_message(pan.id, r"*Deadline* 18:00 \(UTC\+8\)", ParseMode.MARKDOWN_V2)
    assert md.text == "Deadline 18:00 (UTC+8)"
    assert md.entities[0].type == MessageEntity.BOLD
    # Offsets count UTF-16 units: the emoji takes two.
    emoji = await bot.send_message(pan.id, "🚗 <i>go</i>", ParseMode.HTML)
    assert (emoji.entities[0].offset, emoji.entities[0].length) == (3, 2)


async def test_inline_and_reply_keyboards_are_visible(bot: Bot, pan: EmulatedUser) -> None:
    inline = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Accept", callback_data="acc:1")],
            [InlineKeyboardButton("Map", url="https://maps.example.org")],
        ]
    )
    sent = await bot.send_message(pan.id, "Assignment", reply_markup=inline)
    assert sent.reply_markup == inline
    received = await pan.next_message()
    assert received.buttons == ["Accept", "Map"]
    assert received.inline_keyboard[0][0]["callback_data"] == "acc:1"

    keyboard = ReplyKeyboardMarkup(
        [
            [KeyboardButton("Share phone", request_contact=True)],
            [KeyboardButton("Share location", request_location=True)],
        ],
        one_time_keyboard=True,
    )
    asked = await bot.send_message(pan.id, "Register", reply_markup=keyboard)
    # Telegram does not echo reply keyboards in the Message; the client still shows them.
    assert asked.reply_markup is None
    shown = await pan.next_message()
    assert shown.keyboard[0][0]["request_contact"] is True
    assert shown.keyboard[1][0]["request_location"] is True
    assert pan.keyboard is not None
    await bot.send_message(pan.id, "Thanks", reply_markup=ReplyKeyboardRemove())
    assert pan.keyboard is None


async def test_reply_to_a_message(bot: Bot, pan: EmulatedUser) -> None:
    question = await pan.send("Where is the lot?")
    answer = await bot.send_message(pan.id, "Zharkent", reply_to_message_id=question.message_id)
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "Where is the lot?"


async def test_photo_bytes_survive_and_file_id_is_reusable(
    bot: Bot, pan: EmulatedUser, emulator: Emulator
) -> None:
    png = sample_image(800, 600, fmt="PNG")
    sent = await bot.send_photo(pan.id, png, caption="QR for LFV2A21K8M3000001")
    assert sent.caption == "QR for LFV2A21K8M3000001"
    sizes = sent.photo
    assert len(sizes) == 3 and sizes[-1].width == 800 and sizes[-1].height == 600
    assert sizes[0].width < sizes[1].width < sizes[2].width
    file = await sizes[-1].get_file()
    assert bytes(await file.download_as_bytearray()) == png
    assert (await pan.next_message()).file_bytes() == png

    again = await bot.send_photo(pan.id, sizes[-1].file_id)
    assert [s.file_unique_id for s in again.photo] == [s.file_unique_id for s in sizes]
    received = await pan.next_message()
    assert await received.download() == png


async def test_document_upload_and_resend(bot: Bot, pan: EmulatedUser) -> None:
    data = b"%PDF-1.4\n" + bytes(range(256)) * 40
    sent = await bot.send_document(pan.id, data, filename="qr-sheet.pdf", caption="Today")
    assert sent.document is not None
    assert sent.document.file_name == "qr-sheet.pdf"
    assert sent.document.mime_type == "application/pdf"
    assert sent.document.file_size == len(data)
    assert bytes(await (await sent.document.get_file()).download_as_bytearray()) == data
    resent = await bot.send_document(pan.id, sent.document.file_id)
    assert resent.document is not None
    assert resent.document.file_unique_id == sent.document.file_unique_id
    assert [m.file_bytes() for m in await pan.next_messages(2)] == [data, data]


async def test_media_group(bot: Bot, pan: EmulatedUser) -> None:
    images = [sample_image(100 + i, 80, color=c) for i, c in enumerate(("red", "blue", "green"))]
    album = await bot.send_media_group(
        pan.id,
        [
            InputMediaPhoto(image, caption="VIN plate" if i == 0 else None)
            for i, image in enumerate(images)
        ],
    )
    assert len(album) == 3
    assert len({m.media_group_id for m in album}) == 1 and album[0].media_group_id
    assert album[0].caption == "VIN plate"
    received = await pan.next_messages(3)
    assert [m.file_bytes() for m in received] == images
    docs = await bot.send_media_group(
        pan.id,
        [
            InputMediaDocument(b"a" * 10, filename="a.txt"),
            InputMediaDocument(b"b" * 20, filename="b.txt"),
        ],
    )
    assert [d.document.file_name for d in docs if d.document] == ["a.txt", "b.txt"]


async def test_location_and_venue(bot: Bot, pan: EmulatedUser) -> None:
    point = await bot.send_location(pan.id, 44.163, 80.002, horizontal_accuracy=25)
    assert point.location is not None
    assert point.location.latitude == pytest.approx(44.163)
    assert point.location.horizontal_accuracy == 25
    venue = await bot.send_venue(
        pan.id, 44.163, 80.002, title="Zharkent delivery lot", address="Zharkent, Kazakhstan"
    )
    assert venue.venue is not None and venue.venue.title == "Zharkent delivery lot"
    assert venue.location is not None
    received = await pan.next_messages(2)
    assert received[0].location is not None and received[1].venue is not None
    assert received[1].venue["address"] == "Zharkent, Kazakhstan"


async def test_edits_show_through_to_the_user(bot: Bot, pan: EmulatedUser) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Accept", callback_data="a")]])
    sent = await bot.send_message(pan.id, "Trip 1", reply_markup=keyboard)
    seen = await pan.next_message()
    edited = await bot.edit_message_text("Trip 1 (accepted)", pan.id, sent.message_id)
    assert isinstance(edited, Message)
    assert edited.edit_date is not None
    # The edit did not repeat the keyboard, so Telegram dropped it.
    assert seen.text == "Trip 1 (accepted)" and seen.buttons == [] and seen.edited
    assert seen.history[0]["text"] == "Trip 1"
    await bot.edit_message_reply_markup(pan.id, sent.message_id, reply_markup=keyboard)
    assert seen.buttons == ["Accept"]

    photo = await bot.send_photo(pan.id, sample_image(), caption="before")
    await bot.edit_message_caption(
        pan.id, photo.message_id, caption="<b>after</b>", parse_mode=ParseMode.HTML
    )
    shown = await pan.next_message()
    assert shown.caption == "after" and shown.entities[0]["type"] == "bold"


async def test_delete_message(bot: Bot, pan: EmulatedUser) -> None:
    sent = await bot.send_message(pan.id, "oops")
    seen = await pan.next_message()
    assert await bot.delete_message(pan.id, sent.message_id) is True
    assert seen.deleted


async def test_answer_callback_query(bot: Bot, pan: EmulatedUser, emulator: Emulator) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Accept", callback_data="acc:7")]])
    await bot.send_message(pan.id, "Trip 7", reply_markup=keyboard)
    press = await pan.press(await pan.next_message(), "Accept")
    assert isinstance(press, Press)
    updates = await bot.get_updates()
    query = updates[-1].callback_query
    assert query is not None and query.data == "acc:7" and query.from_user.id == pan.id
    assert isinstance(query.message, Message) and query.message.text == "Trip 7"
    assert await bot.answer_callback_query(query.id, text="Accepted", show_alert=True)
    answer = await press.answer()
    assert answer["text"] == "Accepted" and answer["show_alert"] is True


async def test_get_file(bot: Bot, pan: EmulatedUser) -> None:
    photo = await pan.send_photo(sample_image(1000, 500))
    largest = photo.photo[-1] if photo.photo else {}
    file = await bot.get_file(largest["file_id"])
    assert file.file_size == len(photo.file_bytes())
    # PTB turns file_path into the download URL: base_file_url + token + "/" + path.
    assert file.file_path and "/photos/file_" in file.file_path
    assert bytes(await file.download_as_bytearray()) == photo.file_bytes()


async def test_commands_by_scope_and_language(bot: Bot, pan: EmulatedUser) -> None:
    default = [BotCommand("start", "Start"), BotCommand("help", "Help")]
    chinese = [BotCommand("start", "开始")]
    admin = [BotCommand("board", "Today's board")]
    assert await bot.set_my_commands(default)
    assert await bot.set_my_commands(chinese, language_code="zh")
    assert await bot.set_my_commands(admin, scope=BotCommandScopeChat(pan.id))
    assert await bot.set_my_commands(default[:1], scope=BotCommandScopeAllPrivateChats())
    assert list(await bot.get_my_commands()) == default
    assert list(await bot.get_my_commands(language_code="zh")) == chinese
    assert list(await bot.get_my_commands(scope=BotCommandScopeChat(pan.id))) == admin
    assert pan.menu_commands() == [{"command": "board", "description": "Today's board"}]
    assert await bot.delete_my_commands(scope=BotCommandScopeChat(pan.id))
    assert list(await bot.get_my_commands(scope=BotCommandScopeChat(pan.id))) == []
    assert pan.menu_commands() == [{"command": "start", "description": "Start"}]


async def test_get_chat(bot: Bot, pan: EmulatedUser, emulator: Emulator) -> None:
    private = await bot.get_chat(pan.id)
    assert isinstance(private, ChatFullInfo)
    assert private.type == "private" and private.first_name == "Pan"
    group = emulator.group("Dispatch", members=[pan])
    info = await bot.get_chat(group.id)
    assert info.type == "group" and info.title == "Dispatch"


async def test_leave_chat(bot: Bot, pan: EmulatedUser, emulator: Emulator) -> None:
    group = emulator.group("Dispatch", members=[pan])
    assert await bot.leave_chat(group.id)
    assert not group.has_bot
    kinds = [
        u.my_chat_member.new_chat_member.status
        for u in await bot.get_updates()
        if u.my_chat_member
    ]
    assert kinds == ["member", "left"]


async def test_harmless_extras(bot: Bot, pan: EmulatedUser) -> None:
    assert await bot.send_chat_action(pan.id, "typing")
    assert await bot.set_my_description("Dispatch for Horgos drivers", language_code="en")
    assert (await bot.get_my_description("en")).description == "Dispatch for Horgos drivers"
    assert await bot.set_my_short_description("Horgos dispatch")
    assert await bot.set_my_name("Ferryman")


async def test_request_forms_query_form_json(emulator: Emulator, pan: EmulatedUser) -> None:
    """Telegram takes GET query strings and form bodies too; so does the emulator."""
    import aiohttp

    url = f"{emulator.api_base_url}{emulator.token}"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{url}/sendMessage", params={"chat_id": pan.id, "text": "q"}) as r:
            assert (await r.json())["result"]["text"] == "q"
        form = {
            "chat_id": str(pan.id),
            "text": "f",
            "reply_markup": '{"inline_keyboard":[[{"text":"x","callback_data":"x"}]]}',
        }
        async with session.post(f"{url}/sendMessage", data=form) as r:
            body = await r.json()
            assert body["ok"] and body["result"]["reply_markup"]["inline_keyboard"][0][0]["text"]
        async with session.post(f"{url}/getMe", json={}) as r:
            assert (await r.json())["result"]["is_bot"] is True
