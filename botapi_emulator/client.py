"""The people's side: what emulated users and groups do and what they see.

Scenario code reads like what happens on a phone::

    pan = emu.user("Pan Guangde", lang="zh")
    await pan.send("/start")
    welcome = await pan.next_message()
    await pan.press(welcome, "Accept")

Messages received are live views: edits and deletions made later by the bot show through.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import aiohttp

from botapi_emulator.files import image_info, largest
from botapi_emulator.formatting import command_entities
from botapi_emulator.models import JSON, BotState, CallbackQuery, Chat, StoredMessage, User

if TYPE_CHECKING:
    import telegram

    from botapi_emulator.emulator import Emulator

#: How long a person waits for the bot by default: a ceiling for "nothing came", not the time
#: an answer takes (a wait ends as soon as it comes). Generous, because a loaded 2-core machine
#: drawing a PDF or a QR can take several seconds; a test that expects silence names its own.
WAIT = 20.0
_FORWARDED_KEYS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "photo",
    "document",
    "location",
    "venue",
    "contact",
    "sticker",
    "voice",
)
# A tiny but well-formed Ogg page header; bots only pass voice bytes along.
_VOICE = b"OggS\x00\x02" + bytes(20)
_STICKER = (
    b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00"
    b"\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
)


class ChatMessage:
    """A message as the people in the chat see it now (edits and deletion included)."""

    def __init__(self, emulator: Emulator, bot: BotState, stored: StoredMessage) -> None:
        self._emulator = emulator
        self._bot = bot
        self.stored = stored

    @property
    def data(self) -> JSON:
        """The current Bot API form of the message."""
        return self.stored.data

    @property
    def message_id(self) -> int:
        return self.stored.message_id

    @property
    def chat_id(self) -> int:
        return self.stored.chat_id

    @property
    def date(self) -> int:
        return int(self.data["date"])

    @property
    def from_bot(self) -> bool:
        return self.stored.from_bot

    @property
    def sender_id(self) -> int:
        return int(self.data["from"]["id"])

    @property
    def text(self) -> str | None:
        return self.data.get("text")

    @property
    def caption(self) -> str | None:
        return self.data.get("caption")

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has ("" if neither)."""
        return self.text or self.caption or ""

    @property
    def entities(self) -> list[JSON]:
        return list(self.data.get("entities") or self.data.get("caption_entities") or [])

    @property
    def reply_markup(self) -> JSON | None:
        """The inline keyboard, else the reply keyboard (or removal / force reply) sent with it."""
        return self.data.get("reply_markup") or self.stored.reply_keyboard

    @property
    def inline_keyboard(self) -> list[list[JSON]]:
        markup = self.data.get("reply_markup") or {}
        return list(markup.get("inline_keyboard", []))

    @property
    def keyboard(self) -> list[list[JSON]]:
        """Buttons of the reply keyboard sent with this message (``request_contact`` etc. kept)."""
        markup = self.stored.reply_keyboard or {}
        return list(markup.get("keyboard", []))

    @property
    def buttons(self) -> list[str]:
        """Texts of all buttons shown with the message, inline first, row by row."""
        return [b["text"] for row in [*self.inline_keyboard, *self.keyboard] for b in row]

    def button(self, label: str) -> JSON:
        """The inline or keyboard button with this text (or callback_data)."""
        for row in [*self.inline_keyboard, *self.keyboard]:
            for button in row:
                if button.get("text") == label or button.get("callback_data") == label:
                    return dict(button)
        raise LookupError(f"no button {label!r} on the message; it shows {self.buttons}")

    @property
    def photo(self) -> list[JSON] | None:
        return self.data.get("photo")

    @property
    def document(self) -> JSON | None:
        return self.data.get("document")

    @property
    def location(self) -> JSON | None:
        return self.data.get("location")

    @property
    def venue(self) -> JSON | None:
        return self.data.get("venue")

    @property
    def contact(self) -> JSON | None:
        return self.data.get("contact")

    @property
    def media_group_id(self) -> str | None:
        return self.data.get("media_group_id")

    @property
    def reply_to_message_id(self) -> int | None:
        replied = self.data.get("reply_to_message")
        return int(replied["message_id"]) if replied else None

    @property
    def edited(self) -> bool:
        return bool(self.stored.history)

    @property
    def history(self) -> list[JSON]:
        """Earlier versions of the message, oldest first."""
        return list(self.stored.history)

    @property
    def deleted(self) -> bool:
        return self.stored.deleted

    def _media(self) -> JSON:
        for key in ("photo", "document", "voice", "sticker"):
            if key in self.data:
                return largest(self.data[key])
        raise LookupError("the message has no file")

    def file_bytes(self) -> bytes:
        """The bytes of the photo (largest size), document, voice or sticker."""
        stored = self._emulator.world.files.get(self._media()["file_id"])
        assert stored is not None
        return stored.data

    async def download(self) -> bytes:
        """The file's bytes fetched over HTTP through getFile's download path."""
        stored = self._emulator.world.files.get(self._media()["file_id"])
        assert stored is not None
        url = f"{self._emulator.api_file_url}{self._bot.token}/{stored.file_path}"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            response.raise_for_status()
            return await response.read()

    def as_ptb(self, bot: telegram.Bot | None = None) -> telegram.Message:
        """The message as a python-telegram-bot object."""
        import telegram

        return telegram.Message.de_json(self.data, bot)

    def __repr__(self) -> str:
        what = self.content or next((k for k in _FORWARDED_KEYS if k in self.data), "?")
        flags = " deleted" if self.deleted else " edited" if self.edited else ""
        return f"<ChatMessage {self.chat_id}/{self.message_id}{flags}: {what!r}>"


class Press:
    """A pressed inline button: the callback query and, later, the bot's answer to it."""

    def __init__(self, query: CallbackQuery, message: ChatMessage) -> None:
        self.query = query
        self.message = message

    @property
    def query_id(self) -> str:
        return self.query.id

    @property
    def data(self) -> str:
        return self.query.data

    @property
    def answered(self) -> bool:
        return self.query.answer is not None

    async def answer(self, within: float = WAIT) -> JSON:
        """The bot's answerCallbackQuery parameters (text, show_alert, url, cache_time)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self.query.answer is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"callback query {self.data!r} was not answered in {within}s")
            await self.query.answered.wait(remaining)
        return dict(self.query.answer)


class _Inbox:
    """What the bot sent to one chat, with a read cursor for ``next_message``."""

    def __init__(self, emulator: Emulator, bot: BotState, chat_id: int, who: str) -> None:
        self._emulator = emulator
        self._bot = bot
        self._chat_id = chat_id
        self._who = who
        self._cursor = 0

    def _sent(self) -> list[StoredMessage]:
        history = self._bot.chats.get(self._chat_id)
        return history.bot_messages if history is not None else []

    @property
    def messages(self) -> list[ChatMessage]:
        """Everything the bot sent here, oldest first (deleted ones flagged, not removed)."""
        return [ChatMessage(self._emulator, self._bot, m) for m in self._sent()]

    @property
    def last_message(self) -> ChatMessage | None:
        sent = self._sent()
        return ChatMessage(self._emulator, self._bot, sent[-1]) if sent else None

    async def next_message(self, within: float = WAIT) -> ChatMessage:
        """The next message from the bot not yet taken by ``next_message``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            sent = self._sent()
            if len(sent) > self._cursor:
                self._cursor += 1
                return ChatMessage(self._emulator, self._bot, sent[self._cursor - 1])
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"{self._who} got no message from the bot within {within}s; last calls:\n"
                    + self._emulator.describe_calls()
                )
            await self._bot.changed.wait(remaining)

    async def next_messages(self, count: int, within: float = WAIT) -> list[ChatMessage]:
        return [await self.next_message(within) for _ in range(count)]

    async def no_message(self, within: float = 0.3) -> None:
        """Assert the bot sends nothing new here within ``within`` seconds."""
        await asyncio.sleep(within)
        unread = self._sent()[self._cursor :]
        if unread:
            views = [ChatMessage(self._emulator, self._bot, m) for m in unread]
            raise AssertionError(f"{self._who} unexpectedly received {views}")

    def skip_all(self) -> None:
        """Mark everything received so far as read."""
        self._cursor = len(self._sent())


class _Receiving:
    """What the bot sent to a person or a group, read the same way for both."""

    inbox: _Inbox

    @property
    def messages(self) -> list[ChatMessage]:
        return self.inbox.messages

    @property
    def last_message(self) -> ChatMessage | None:
        return self.inbox.last_message

    async def next_message(self, within: float = WAIT) -> ChatMessage:
        return await self.inbox.next_message(within)

    async def next_messages(self, count: int, within: float = WAIT) -> list[ChatMessage]:
        return await self.inbox.next_messages(count, within)

    async def no_message(self, within: float = 0.3) -> None:
        await self.inbox.no_message(within)


class EmulatedUser(_Receiving):
    """A person with a Telegram account who talks to the bot (and sits in groups)."""

    def __init__(self, emulator: Emulator, bot: BotState, user: User) -> None:
        self.emulator = emulator
        self.bot = bot
        self.user = user
        self.inbox = _Inbox(emulator, bot, user.id, user.full_name)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.full_name

    @property
    def chat(self) -> Chat:
        return self.emulator.world.chats[self.user.id]

    @property
    def started(self) -> bool:
        return self.user.id in self.bot.started

    @property
    def blocked(self) -> bool:
        return self.user.id in self.bot.blocked

    def __repr__(self) -> str:
        return f"<EmulatedUser {self.id} {self.name!r}>"

    @property
    def keyboard(self) -> JSON | None:
        """The reply keyboard the private chat shows now (None if none)."""
        history = self.bot.chats.get(self.user.id)
        return history.keyboard if history is not None else None

    def menu_commands(self, group: EmulatedGroup | None = None) -> list[JSON]:
        """The command menu this user sees, resolved by scope and language like Telegram."""
        lang = (self.user.language_code or "")[:2]
        if group is None:
            chat_id = self.user.id
            scopes: list[tuple[str, int | None, int | None]] = [
                ("chat", chat_id, None),
                ("all_private_chats", None, None),
            ]
        else:
            chat_id = group.id
            admin = self.user.id in group.chat.admins
            scopes = [("chat_member", chat_id, self.user.id)]
            if admin:
                scopes.append(("chat_administrators", chat_id, None))
            scopes.append(("chat", chat_id, None))
            if admin:
                scopes.append(("all_chat_administrators", None, None))
            scopes.append(("all_group_chats", None, None))
        scopes.append(("default", None, None))
        for kind, scope_chat, scope_user in scopes:
            for language in (lang, ""):
                found = self.bot.commands.get((kind, scope_chat, scope_user, language))
                if found:
                    return list(found)
        return []

    # --- sending -------------------------------------------------------------------------

    def _chat(self, to: EmulatedGroup | None) -> Chat:
        return to.chat if to is not None else self.chat

    async def _post(
        self, content: JSON, to: EmulatedGroup | None, reply_to: ChatMessage | None = None
    ) -> ChatMessage:
        stored = self.emulator.world.user_message(
            self.bot,
            self.user,
            self._chat(to),
            content,
            reply_to=reply_to.stored if reply_to is not None else None,
        )
        await asyncio.sleep(0)
        return ChatMessage(self.emulator, self.bot, stored)

    async def send(
        self, text: str, *, to: EmulatedGroup | None = None, reply_to: ChatMessage | None = None
    ) -> ChatMessage:
        """Text as typed; commands get bot_command entities like a real client adds."""
        return await self._post(self.emulator.world.text_content(text), to, reply_to)

    async def resend(self, message: ChatMessage) -> ChatMessage:
        """The same message again, as a client sends it after a double tap or a failed send:
        the same text, or the same file (same file_id and file_unique_id)."""
        keys = ("text", "entities", "photo", "document", "caption", "caption_entities")
        content = {key: value for key, value in message.data.items() if key in keys}
        to = None if message.chat_id == self.user.id else self._group_of(message.chat_id)
        return await self._post(content, to)

    async def share_contact(
        self,
        of: EmulatedUser | None = None,
        *,
        phone: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        to: EmulatedGroup | None = None,
    ) -> ChatMessage:
        """Own contact (default), another user's, or an arbitrary phone book entry."""
        if phone is not None:
            contact: JSON = {"phone_number": phone, "first_name": first_name or "Contact"}
            if last_name:
                contact["last_name"] = last_name
        else:
            person = (of or self).user
            if not person.phone_number:
                raise ValueError(f"{person.full_name} has no phone number to share")
            contact = {
                "phone_number": person.phone_number,
                "first_name": person.first_name,
                "user_id": person.id,
            }
            if person.last_name:
                contact["last_name"] = person.last_name
        return await self._post({"contact": contact}, to)

    async def _photo_content(self, data: bytes, caption: str | None) -> JSON:
        info = await asyncio.to_thread(image_info, data)
        content: JSON = {"photo": self.emulator.world.files.add_photo(data, info)}
        if caption:
            content.update(_caption(caption))
        return content

    def _document_content(
        self, data: bytes, file_name: str, mime_type: str | None, caption: str | None
    ) -> JSON:
        content: JSON = {
            "document": self.emulator.world.files.add_document(data, file_name, mime_type)
        }
        if caption:
            content.update(_caption(caption))
        return content

    async def send_photo(
        self, data: bytes, caption: str | None = None, *, to: EmulatedGroup | None = None
    ) -> ChatMessage:
        """A photo; sizes come from the image (non-images get one 1x1 size, bytes intact)."""
        return await self._post(await self._photo_content(data, caption), to)

    async def send_document(
        self,
        data: bytes,
        file_name: str = "document.bin",
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        to: EmulatedGroup | None = None,
    ) -> ChatMessage:
        return await self._post(self._document_content(data, file_name, mime_type, caption), to)

    async def send_album(
        self,
        items: Sequence[bytes],
        *,
        caption: str | None = None,
        as_documents: bool = False,
        file_names: Sequence[str] | None = None,
        to: EmulatedGroup | None = None,
    ) -> list[ChatMessage]:
        """A media group: one message per item sharing media_group_id; caption on the first."""
        if not 2 <= len(items) <= 10:
            raise ValueError("an album has 2-10 items")
        group_id = str(abs(hash((self.user.id, len(self.messages), id(items)))))
        sent: list[ChatMessage] = []
        for index, data in enumerate(items):
            text = caption if index == 0 else None
            if as_documents:
                name = file_names[index] if file_names else f"file{index + 1}.bin"
                content = self._document_content(data, name, None, text)
            else:
                content = await self._photo_content(data, text)
            content["media_group_id"] = group_id
            sent.append(await self._post(content, to))
        return sent

    async def send_location(
        self,
        latitude: float,
        longitude: float,
        *,
        horizontal_accuracy: float | None = None,
        to: EmulatedGroup | None = None,
    ) -> ChatMessage:
        location: JSON = {"latitude": latitude, "longitude": longitude}
        if horizontal_accuracy is not None:
            location["horizontal_accuracy"] = horizontal_accuracy
        return await self._post({"location": location}, to)

    async def start_live_location(
        self,
        latitude: float,
        longitude: float,
        *,
        live_period: int = 900,
        horizontal_accuracy: float | None = None,
        heading: int | None = None,
        to: EmulatedGroup | None = None,
    ) -> LiveLocation:
        """Share a live location; move it with :meth:`LiveLocation.move`."""
        location: JSON = {
            "latitude": latitude,
            "longitude": longitude,
            "live_period": live_period,
        }
        if horizontal_accuracy is not None:
            location["horizontal_accuracy"] = horizontal_accuracy
        if heading is not None:
            location["heading"] = heading
        message = await self._post({"location": location}, to)
        return LiveLocation(self, message)

    async def forward(
        self, message: ChatMessage, *, to: EmulatedGroup | None = None
    ) -> ChatMessage:
        """Forward any message the emulator knows (the bot's, another user's) to the bot."""
        content = {k: message.data[k] for k in _FORWARDED_KEYS if k in message.data}
        sender = message.data["from"]
        content["forward_origin"] = {"type": "user", "sender_user": sender, "date": message.date}
        return await self._post(content, to)

    async def forward_from(
        self,
        origin: EmulatedUser | str,
        *,
        text: str | None = None,
        location: tuple[float, float] | None = None,
        photo: bytes | None = None,
        date: int | None = None,
        to: EmulatedGroup | None = None,
    ) -> ChatMessage:
        """Forward something ``origin`` wrote elsewhere (a name string: a hidden account)."""
        if text is not None:
            content = self.emulator.world.text_content(text)
        elif location is not None:
            content = {"location": {"latitude": location[0], "longitude": location[1]}}
        elif photo is not None:
            content = await self._photo_content(photo, None)
        else:
            raise ValueError("forward_from needs text, location or photo")
        when = date if date is not None else self.emulator.world.timestamp() - 3600
        if isinstance(origin, str):
            content["forward_origin"] = {
                "type": "hidden_user",
                "sender_user_name": origin,
                "date": when,
            }
        else:
            content["forward_origin"] = {
                "type": "user",
                "sender_user": origin.user.api(),
                "date": when,
            }
        return await self._post(content, to)

    async def send_sticker(
        self, emoji: str = "👍", data: bytes | None = None, *, to: EmulatedGroup | None = None
    ) -> ChatMessage:
        sticker = self.emulator.world.files.add_sticker(data or _STICKER, emoji)
        return await self._post({"sticker": sticker}, to)

    async def send_voice(
        self, data: bytes | None = None, duration: int = 2, *, to: EmulatedGroup | None = None
    ) -> ChatMessage:
        voice = self.emulator.world.files.add_voice(data or _VOICE, duration)
        return await self._post({"voice": voice}, to)

    async def edit(self, message: ChatMessage, text: str) -> None:
        """Edit one's own text message (the bot gets an edited_message update)."""
        if message.sender_id != self.user.id:
            raise ValueError("a user can only edit their own messages")
        changes: JSON = {"text": text}
        message.data.pop("entities", None)
        changes.update({"entities": e} if (e := command_entities(text)) else {})
        self.emulator.world.user_edit(self.bot, message.stored, changes)
        await asyncio.sleep(0)

    async def press(
        self,
        message: ChatMessage,
        label: str,
        *,
        location: tuple[float, float] | None = None,
    ) -> Press | ChatMessage:
        """Press a button the message shows now, by its text (or callback_data).

        Inline buttons produce a callback query (a :class:`Press`). Reply-keyboard buttons send
        their text, or the user's contact / ``location`` for request_contact / request_location.
        """
        if message.deleted:
            raise LookupError("the message was deleted; its buttons are gone")
        for row in message.inline_keyboard:
            for button in row:
                if button.get("text") == label or button.get("callback_data") == label:
                    if "callback_data" not in button:
                        raise ValueError(f"button {label!r} is not a callback button: {button}")
                    query = self.emulator.world.press(
                        self.bot, self.user, message.stored, button["callback_data"]
                    )
                    await asyncio.sleep(0)
                    return Press(query, message)
        button = message.button(label)
        to = None if message.chat_id == self.user.id else self._group_of(message.chat_id)
        history = self.bot.history(message.chat_id)
        if (message.stored.reply_keyboard or {}).get("one_time_keyboard"):
            history.keyboard = None
        if button.get("request_contact"):
            return await self.share_contact(to=to)
        if button.get("request_location"):
            if location is None:
                raise ValueError("a request_location button needs location=(lat, lon)")
            return await self.send_location(*location, to=to)
        return await self.send(button["text"], to=to)

    def _group_of(self, chat_id: int) -> EmulatedGroup:
        return EmulatedGroup(self.emulator, self.bot, self.emulator.world.chats[chat_id])

    async def block(self) -> None:
        """Block the bot: it gets my_chat_member (kicked); its sends fail with 403."""
        self.emulator.world.block(self.bot, self.user)
        await asyncio.sleep(0)

    async def unblock(self) -> None:
        self.emulator.world.unblock(self.bot, self.user)
        await asyncio.sleep(0)


class LiveLocation:
    """A live location being shared; each move is an edited_message update."""

    def __init__(self, user: EmulatedUser, message: ChatMessage) -> None:
        self.user = user
        self.message = message
        self.stopped = False

    async def move(
        self,
        latitude: float,
        longitude: float,
        *,
        horizontal_accuracy: float | None = None,
        heading: int | None = None,
    ) -> None:
        if self.stopped:
            raise RuntimeError("the live location was stopped")
        location = dict(self.message.data["location"])
        location.update(latitude=latitude, longitude=longitude)
        for key, value in (("horizontal_accuracy", horizontal_accuracy), ("heading", heading)):
            if value is not None:
                location[key] = value
        self.user.emulator.world.user_edit(
            self.user.bot, self.message.stored, {"location": location}
        )
        await asyncio.sleep(0)

    async def stop(self) -> None:
        """Stop sharing: a last edit, after which the location no longer moves."""
        location = self.message.data["location"]
        await self.move(location["latitude"], location["longitude"])
        self.stopped = True


class EmulatedGroup(_Receiving):
    """A group or supergroup; the bot's messages to it can be read like a user's."""

    def __init__(self, emulator: Emulator, bot: BotState, chat: Chat) -> None:
        self._emulator = emulator
        self.bot = bot
        self.chat = chat
        self.inbox = _Inbox(emulator, bot, chat.id, f"group {chat.title!r}")

    @property
    def id(self) -> int:
        return self.chat.id

    @property
    def title(self) -> str:
        return self.chat.title or ""

    @property
    def members(self) -> set[int]:
        return set(self.chat.members)

    @property
    def has_bot(self) -> bool:
        return self.bot.id in self.chat.bots

    def __repr__(self) -> str:
        return f"<EmulatedGroup {self.id} {self.title!r}>"

    async def send(
        self, user: EmulatedUser, text: str, *, reply_to: ChatMessage | None = None
    ) -> ChatMessage:
        return await user.send(text, to=self, reply_to=reply_to)

    async def add(self, user: EmulatedUser) -> None:
        """``user`` joins: a new_chat_members message and a chat_member update."""
        self._emulator.world.join_group(self.chat, user.user)
        await asyncio.sleep(0)

    async def remove(self, user: EmulatedUser) -> None:
        self._emulator.world.leave_group(self.chat, user.user)
        await asyncio.sleep(0)

    async def add_bot(self, by: EmulatedUser | None = None) -> None:
        actor = by.user if by else self._emulator.world.users[min(self.chat.members)]
        self._emulator.world.add_bot_to_group(self.chat, self.bot, actor)
        await asyncio.sleep(0)

    async def upgrade(self, by: EmulatedUser | None = None) -> EmulatedGroup:
        """Convert to a supergroup (Telegram gives it a new id); returns the new group."""
        actor = by.user if by else self._emulator.world.users[min(self.chat.members)]
        new = self._emulator.world.upgrade_group(self.chat, actor)
        await asyncio.sleep(0)
        return EmulatedGroup(self._emulator, self.bot, new)

    async def remove_bot(self, by: EmulatedUser | None = None) -> None:
        """Kick the bot; later sends fail with 403 ("bot was kicked from the group chat")."""
        actor = by.user if by else self._emulator.world.users[min(self.chat.members)]
        self._emulator.world.remove_bot_from_group(self.chat, self.bot, actor)
        await asyncio.sleep(0)


def _caption(text: str) -> dict[str, Any]:
    content: dict[str, Any] = {"caption": text}
    entities = command_entities(text)
    if entities:
        content["caption_entities"] = entities
    return content
