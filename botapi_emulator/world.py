"""The emulated Telegram: users, chats, bots, files, and what happens when people act.

Methods (the bot's side) and the client (the people's side) both change the world through
this module, so both see one consistent picture.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botapi_emulator.errors import (
    BLOCKED,
    CANT_INITIATE,
    CHAT_NOT_FOUND,
    bad_request,
    forbidden,
    migrated,
)
from botapi_emulator.files import FileStore
from botapi_emulator.formatting import command_entities
from botapi_emulator.models import JSON, BotState, CallbackQuery, Chat, StoredMessage, User

Now = Callable[[], datetime]

_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@([A-Za-z0-9_]{3,32}))?")
_SERVICE_KEYS = (
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "pinned_message",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
)


def system_now() -> datetime:
    return datetime.now(UTC)


def _member(user: User, status: str) -> JSON:
    member: JSON = {"status": status, "user": user.api()}
    if status == "kicked":
        member["until_date"] = 0
    return member


class World:
    def __init__(self, clock: Now | None = None) -> None:
        self.clock: Now = clock or system_now
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.bots: dict[str, BotState] = {}
        self.bots_by_id: dict[int, BotState] = {}
        self.files = FileStore()
        self._user_ids = itertools.count(700_000_001)
        self._group_ids = itertools.count(4_000_000_001)
        self._supergroup_ids = itertools.count(1_000_000_001)
        self._query_ids = itertools.count(1)

    def timestamp(self) -> int:
        return int(self.clock().timestamp())

    # --- creation -----------------------------------------------------------------------

    def add_bot(self, token: str, first_name: str, username: str) -> BotState:
        bot_id = int(token.split(":", 1)[0])
        bot = BotState(token, User(bot_id, first_name, username=username, is_bot=True))
        self.bots[token] = bot
        self.bots_by_id[bot_id] = bot
        return bot

    def add_user(
        self,
        first_name: str,
        last_name: str | None = None,
        *,
        username: str | None = None,
        language_code: str | None = None,
        phone_number: str | None = None,
        user_id: int | None = None,
    ) -> User:
        user = User(
            user_id or next(self._user_ids),
            first_name,
            last_name,
            username=username,
            language_code=language_code,
            phone_number=phone_number,
        )
        self.users[user.id] = user
        self.chats[user.id] = Chat(user.id, "private", user=user)
        return user

    def add_group(
        self, title: str, *, supergroup: bool = False, username: str | None = None
    ) -> Chat:
        if supergroup:
            chat_id = -(1_000_000_000_000 + next(self._supergroup_ids))
            chat = Chat(chat_id, "supergroup", title=title, username=username)
        else:
            chat = Chat(-next(self._group_ids), "group", title=title)
        self.chats[chat.id] = chat
        return chat

    def resolve_chat(self, chat_id: int | str) -> Chat | None:
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            for chat in self.chats.values():
                if chat.type == "supergroup" and (chat.username or "").lower() == name:
                    return chat
            return None
        return self.chats.get(chat_id)

    # --- the bot's access to a chat --------------------------------------------------------

    def chat_for_bot(self, bot: BotState, chat_id: int | str) -> Chat:
        """The chat the bot may write to, or Telegram's refusal."""
        chat = self.resolve_chat(chat_id)
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND)
        if chat.type == "private":
            if chat.id in bot.blocked:
                raise forbidden(BLOCKED)
            if chat.id not in bot.started:
                raise forbidden(CANT_INITIATE)
            return chat
        if chat.migrated_to is not None:
            raise migrated(chat.migrated_to)
        if bot.id not in chat.bots:
            kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
            if bot.id in chat.removed_bots:
                raise forbidden(f"bot was kicked from the {kind}")
            raise forbidden(f"bot is not a member of the {kind}")
        return chat

    # --- messages ----------------------------------------------------------------------

    def new_message(
        self,
        bot: BotState,
        chat: Chat,
        sender: User,
        content: JSON,
        *,
        from_bot: bool,
        reply_to: StoredMessage | None = None,
        reply_keyboard: JSON | None = None,
        date: int | None = None,
    ) -> StoredMessage:
        history = bot.history(chat.id)
        data: JSON = {
            "message_id": history.allocate(),
            "from": sender.api(),
            "chat": chat.api(),
            "date": self.timestamp() if date is None else date,
        }
        if reply_to is not None:
            replied = dict(reply_to.data)
            replied.pop("reply_to_message", None)
            data["reply_to_message"] = replied
        data.update(content)
        message = StoredMessage(data, from_bot, reply_keyboard=reply_keyboard)
        history.add(message)
        if from_bot:
            if reply_keyboard is not None:
                if "keyboard" in reply_keyboard:
                    history.keyboard = reply_keyboard
                elif reply_keyboard.get("remove_keyboard"):
                    history.keyboard = None
            bot.changed.fire()
        return message

    def user_message(
        self,
        bot: BotState,
        user: User,
        chat: Chat,
        content: JSON,
        *,
        reply_to: StoredMessage | None = None,
    ) -> StoredMessage:
        """A person sends something; every bot that can see it gets a ``message`` update."""
        if chat.type == "private":
            if chat.id != user.id:
                raise ValueError("a user can only write to the bot in their own private chat")
            bot.started.add(user.id)
            bot.blocked.discard(user.id)
            message = self.new_message(bot, chat, user, content, from_bot=False, reply_to=reply_to)
            bot.updates.push("message", message.data)
            return message
        if user.id not in chat.members:
            raise ValueError(f"{user.full_name} is not a member of {chat.title!r}")
        own: StoredMessage | None = None
        for bot_id in sorted(chat.bots):
            target = self.bots_by_id[bot_id]
            replied = reply_to if target is bot else None
            message = self.new_message(
                target, chat, user, content, from_bot=False, reply_to=replied
            )
            if self._bot_sees(target, message):
                target.updates.push("message", message.data)
            if target is bot:
                own = message
        if own is None:
            raise ValueError(f"the bot is not in {chat.title!r}")
        return own

    def _bot_sees(self, bot: BotState, message: StoredMessage) -> bool:
        """Privacy mode: in groups a bot sees commands, replies to it and service messages."""
        data = message.data
        if not bot.privacy or any(key in data for key in _SERVICE_KEYS):
            return True
        replied = data.get("reply_to_message")
        if replied and replied.get("from", {}).get("id") == bot.id:
            return True
        username = (bot.user.username or "").lower()
        text = data.get("text") or data.get("caption") or ""
        return any(
            mention is None or mention.lower() == username
            for mention in (m.group(1) for m in _COMMAND_RE.finditer(text))
        )

    def user_edit(self, bot: BotState, message: StoredMessage, changes: JSON) -> None:
        """A person edits their message (live locations move this way)."""
        message.history.append(dict(message.data))
        message.data.update(changes)
        message.data["edit_date"] = self.timestamp()
        bot.updates.push("edited_message", message.data)

    def text_content(self, text: str) -> JSON:
        content: JSON = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        return content

    # --- buttons -------------------------------------------------------------------------

    def press(self, bot: BotState, user: User, message: StoredMessage, data: str) -> CallbackQuery:
        query = CallbackQuery(
            id=str(next(self._query_ids) * 1_000_003 + user.id),
            user_id=user.id,
            chat_id=message.chat_id,
            message_id=message.message_id,
            data=data,
        )
        bot.callback_queries[query.id] = query
        payload: JSON = {
            "id": query.id,
            "from": user.api(),
            "message": message.data,
            "chat_instance": str(abs(hash((bot.id, message.chat_id)))),
            "data": data,
        }
        bot.updates.push("callback_query", payload)
        return query

    # --- membership ----------------------------------------------------------------------

    def _member_update(
        self, bot: BotState, kind: str, chat: Chat, actor: User, subject: User, old: str, new: str
    ) -> None:
        bot.updates.push(
            kind,
            {
                "chat": chat.api(),
                "from": actor.api(),
                "date": self.timestamp(),
                "old_chat_member": _member(subject, old),
                "new_chat_member": _member(subject, new),
            },
        )

    def block(self, bot: BotState, user: User) -> None:
        bot.blocked.add(user.id)
        self._member_update(
            bot, "my_chat_member", self.chats[user.id], user, bot.user, "member", "kicked"
        )

    def unblock(self, bot: BotState, user: User) -> None:
        bot.blocked.discard(user.id)
        self._member_update(
            bot, "my_chat_member", self.chats[user.id], user, bot.user, "kicked", "member"
        )

    def add_bot_to_group(self, chat: Chat, bot: BotState, by: User) -> None:
        chat.bots.add(bot.id)
        chat.removed_bots.discard(bot.id)
        self._member_update(bot, "my_chat_member", chat, by, bot.user, "left", "member")
        self._service(chat, by, {"new_chat_members": [bot.user.api()]})

    def remove_bot_from_group(self, chat: Chat, bot: BotState, by: User | None) -> None:
        """Kicked by a member (``by``) or left on its own (leaveChat)."""
        chat.bots.discard(bot.id)
        if by is not None:
            chat.removed_bots.add(bot.id)
            self._member_update(bot, "my_chat_member", chat, by, bot.user, "member", "kicked")
        else:
            self._member_update(bot, "my_chat_member", chat, bot.user, bot.user, "member", "left")
        self._service(chat, by or bot.user, {"left_chat_member": bot.user.api()})

    def join_group(self, chat: Chat, user: User) -> None:
        chat.members.add(user.id)
        for bot_id in chat.bots:
            self._member_update(
                self.bots_by_id[bot_id], "chat_member", chat, user, user, "left", "member"
            )
        self._service(chat, user, {"new_chat_members": [user.api()]})

    def leave_group(self, chat: Chat, user: User) -> None:
        chat.members.discard(user.id)
        for bot_id in chat.bots:
            self._member_update(
                self.bots_by_id[bot_id], "chat_member", chat, user, user, "member", "left"
            )
        self._service(chat, user, {"left_chat_member": user.api()})

    def upgrade_group(self, chat: Chat, by: User) -> Chat:
        """A group becomes a supergroup, as Telegram does it: a new chat with a new id and the
        same members and bots; the old group says ``migrate_to_chat_id``, the new one
        ``migrate_from_chat_id``, and the old id refuses messages from then on."""
        if chat.type != "group":
            raise ValueError("only a basic group can be upgraded to a supergroup")
        new = self.add_group(chat.title or "", supergroup=True)
        new.members = set(chat.members)
        new.admins = set(chat.admins)
        new.bots = set(chat.bots)
        self._service(chat, by, {"migrate_to_chat_id": new.id})
        chat.migrated_to = new.id
        self._service(new, by, {"migrate_from_chat_id": chat.id})
        return new

    def _service(self, chat: Chat, actor: User, content: dict[str, Any]) -> None:
        for bot_id in sorted(chat.bots):
            bot = self.bots_by_id[bot_id]
            message = self.new_message(bot, chat, actor, content, from_bot=False)
            bot.updates.push("message", message.data)
