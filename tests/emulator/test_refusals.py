"""Telegram's refusals, with its texts and codes, as PTB raises them."""

from __future__ import annotations

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, InvalidToken
from telegram.request import HTTPXRequest

from botapi_emulator import EmulatedUser, Emulator, sample_image


async def test_unknown_method_is_404(bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})


async def test_wrong_token_is_401(emulator: Emulator) -> None:
    request = HTTPXRequest()
    wrong = Bot(
        "5000000001:AAwrongwrongwrongwrongwrongwrongwro",
        base_url=emulator.api_base_url,
        request=request,
    )
    try:
        with pytest.raises(InvalidToken):
            await wrong.get_me()
    finally:
        # The bot never initialized, so Bot.shutdown would not close its connections.
        await request.shutdown()
    url = f"{emulator.api_base_url}123:nope/getMe"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }


async def test_chat_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.send_message(123456, "hello")


async def test_raw_error_body_is_telegrams(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as session:
        url = f"{emulator.api_base_url}{emulator.token}/sendMessage"
        async with session.post(url, json={"chat_id": 1, "text": "x"}) as response:
            assert response.status == 400
            assert await response.json() == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: chat not found",
            }


async def test_empty_and_too_long_texts(bot: Bot, pan: EmulatedUser) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(pan.id, "   ")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(pan.id, "x" * 4097)
    assert await bot.send_message(pan.id, "x" * 4096)
    # Limits count after formatting: tags do not count.
    assert await bot.send_message(pan.id, "<b>" + "x" * 4096 + "</b>", ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(pan.id, sample_image(), caption="c" * 1025)
    # Telegram counts UTF-16 units: 600 emoji are 1,200 units, over the caption limit.
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(pan.id, sample_image(), caption="🚗" * 600)
    assert await bot.send_photo(pan.id, sample_image(), caption="🚗" * 512)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(pan.id, "🚗" * 2049)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(pan.id, "<b>open", ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"character '\.' is reserved"):
        await bot.send_message(pan.id, "end.", ParseMode.MARKDOWN_V2)


async def test_message_is_not_modified(bot: Bot, pan: EmulatedUser) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Accept", callback_data="a")]])
    sent = await bot.send_message(pan.id, "Trip", reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message is not modified: specified new message"):
        await bot.edit_message_text("Trip", pan.id, sent.message_id, reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(pan.id, sent.message_id, reply_markup=keyboard)
    with pytest.raises(BadRequest, match="There is no caption in the message to edit"):
        await bot.edit_message_caption(pan.id, sent.message_id, caption="x")
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", pan.id, 999)
    own = await pan.send("mine")
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", pan.id, own.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(pan.id, 999)


async def test_bad_file_ids(bot: Bot, pan: EmulatedUser) -> None:
    with pytest.raises(BadRequest, match="Wrong file identifier/http url specified"):
        await bot.send_photo(pan.id, "AgACnotarealfileid")
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("nope")
    doc = await bot.send_document(pan.id, b"data", filename="a.bin")
    assert doc.document is not None
    with pytest.raises(BadRequest, match="Type of file mismatch"):
        await bot.send_photo(pan.id, doc.document.file_id)
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(pan.id, b"not an image")


async def test_forbidden_when_never_started_or_blocked(
    bot: Bot, emulator: Emulator, pan: EmulatedUser
) -> None:
    stranger = emulator.user("Li Wei", lang="zh")
    with pytest.raises(
        Forbidden, match=r"^Forbidden: bot can't initiate conversation with a user$"
    ):
        await bot.send_message(stranger.id, "hi")
    await pan.block()
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
        await bot.send_message(pan.id, "hi")
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_chat_action(pan.id, "typing")
    await pan.unblock()
    assert await bot.send_message(pan.id, "welcome back")


async def test_group_refusals(bot: Bot, emulator: Emulator, pan: EmulatedUser) -> None:
    group = emulator.group("Dispatch", members=[pan])
    await group.remove_bot(by=pan)
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await bot.send_message(group.id, "digest")
    other = emulator.group("Other", members=[pan], with_bot=False)
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(other.id, "digest")


async def test_callback_query_answered_twice(bot: Bot, pan: EmulatedUser) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
    await bot.send_message(pan.id, "x", reply_markup=keyboard)
    await pan.press(await pan.next_message(), "Go")
    query = (await bot.get_updates())[-1].callback_query
    assert query is not None
    await bot.answer_callback_query(query.id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query.id)


async def test_get_updates_conflicts_with_webhook(bot: Bot) -> None:
    await bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_bad_parameters(bot: Bot, pan: EmulatedUser) -> None:
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(pan.id, "dancing")
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Bad Command", "x")])
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(pan.id, "x", reply_to_message_id=12345)
    with pytest.raises(BadRequest, match="Wrong live period"):
        await bot.send_location(pan.id, 44.0, 80.0, live_period=5)


async def test_a_button_answer_is_limited_in_utf16_units(bot: Bot, pan: EmulatedUser) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
    await bot.send_message(pan.id, "x", reply_markup=keyboard)
    await pan.press(await pan.next_message(), "Go")
    query = (await bot.get_updates())[-1].callback_query
    assert query is not None
    with pytest.raises(BadRequest, match=r"(?i)too.long"):
        await bot.answer_callback_query(query.id, "🚗" * 101)
    await bot.answer_callback_query(query.id, "🚗" * 100)
