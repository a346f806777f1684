"""The emulated world's records: people, chats, bots and the messages between them.

Messages are kept as Bot API JSON (the dicts Telegram would return), updated in place on
edits, so what a test reads is exactly what the bot was told.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from botapi_emulator.updates import Signal, UpdateQueue

ChatType = Literal["private", "group", "supergroup"]
JSON = dict[str, Any]


@dataclass(slots=True)
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone_number: str | None = None
    is_bot: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def api(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass(slots=True)
class Chat:
    id: int
    type: ChatType
    title: str | None = None
    username: str | None = None
    # For private chats: the user. For groups: members (user ids) and the bots in it.
    user: User | None = None
    members: set[int] = field(default_factory=set)
    admins: set[int] = field(default_factory=set)
    bots: set[int] = field(default_factory=set)
    removed_bots: set[int] = field(default_factory=set)
    # A group upgraded to a supergroup: the new chat's id (the old id refuses messages).
    migrated_to: int | None = None

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def api(self) -> JSON:
        if self.type == "private":
            assert self.user is not None
            data: JSON = {"id": self.id, "type": "private", "first_name": self.user.first_name}
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
            return data
        data = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            data["username"] = self.username
        return data


@dataclass(slots=True)
class StoredMessage:
    """One message in one bot's view of a chat; ``data`` is its current Bot API form."""

    data: JSON
    from_bot: bool
    # Reply keyboards are not echoed in Message objects, yet a client shows them.
    reply_keyboard: JSON | None = None
    deleted: bool = False
    history: list[JSON] = field(default_factory=list)

    @property
    def message_id(self) -> int:
        return int(self.data["message_id"])

    @property
    def chat_id(self) -> int:
        return int(self.data["chat"]["id"])


@dataclass(slots=True)
class ChatHistory:
    """Messages of one chat as one bot sees them; ids increase per chat, as in Telegram."""

    next_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    order: list[StoredMessage] = field(default_factory=list)
    bot_messages: list[StoredMessage] = field(default_factory=list)
    keyboard: JSON | None = None

    def allocate(self) -> int:
        message_id = self.next_id
        self.next_id += 1
        return message_id

    def add(self, message: StoredMessage) -> None:
        self.messages[message.message_id] = message
        self.order.append(message)
        if message.from_bot:
            self.bot_messages.append(message)


@dataclass(slots=True)
class CallbackQuery:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answer: JSON | None = None
    answered: Signal = field(default_factory=Signal)


@dataclass(slots=True)
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str = "127.0.0.1"
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(slots=True)
class BotState:
    """Everything one bot token owns: its identity, updates, chats it knows, commands."""

    token: str
    user: User
    privacy: bool = True
    updates: UpdateQueue = field(default_factory=UpdateQueue)
    webhook: WebhookConfig | None = None
    poll_generation: int = 0
    started: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    chats: dict[int, ChatHistory] = field(default_factory=dict)
    callback_queries: dict[str, CallbackQuery] = field(default_factory=dict)
    commands: dict[tuple[str, int | None, int | None, str], list[JSON]] = field(
        default_factory=dict
    )
    texts: dict[str, str] = field(default_factory=dict)
    # Fired whenever the bot sends, edits or deletes something: clients wait on it.
    changed: Signal = field(default_factory=Signal)

    @property
    def id(self) -> int:
        return self.user.id

    def history(self, chat_id: int) -> ChatHistory:
        history = self.chats.get(chat_id)
        if history is None:
            history = self.chats[chat_id] = ChatHistory()
        return history

    def find_message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        history = self.chats.get(chat_id)
        if history is None:
            return None
        message = history.messages.get(message_id)
        return None if message is None or message.deleted else message
