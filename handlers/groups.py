"""The gate for group chats: the bot stays only in the dispatch group, and follows it when
Telegram upgrades it to a supergroup (its id changes)."""

from __future__ import annotations

from telegram import Chat, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ChatMemberHandler, MessageHandler, filters

from bot.groups import follow_migration, is_dispatch_group, record_left_group
from bot.state import FerrymanApp, FerrymanContext
from handlers.common import log
from handlers.registry import Group

PRESENT = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)


async def _leave(update: Update, context: FerrymanContext, chat: Chat) -> None:
    state = context.state
    user = update.effective_user
    log.info("leaving group %s: not the dispatch group", chat.id)
    try:
        await context.bot.leave_chat(chat.id)
    except TelegramError as exc:
        log.warning("could not leave group %s: %s", chat.id, exc)
    await record_left_group(
        state,
        chat.id,
        chat.title or "",
        user.full_name if user is not None else "?",
        user.id if user is not None else None,
        state.clock.now(),
    )


async def on_my_membership(update: Update, context: FerrymanContext) -> None:
    """Added to a group: fine if it is the dispatch group; otherwise tell the owners, leave."""
    member = update.my_chat_member
    if member is None or member.chat.type not in (Chat.GROUP, Chat.SUPERGROUP):
        return
    if member.new_chat_member.status not in PRESENT:
        return  # left or kicked: nothing to do
    if not is_dispatch_group(context.state, member.chat.id):
        await _leave(update, context, member.chat)
    raise ApplicationHandlerStop


async def on_group_message(update: Update, context: FerrymanContext) -> None:
    """Every group message passes here first: migrations are followed, foreign groups left."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    state = context.state
    old, new = None, None
    if message.migrate_to_chat_id is not None:  # said in the old group
        old, new = chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:  # said in the new supergroup
        old, new = message.migrate_from_chat_id, chat.id
    if old is not None and new is not None:
        user = update.effective_user
        await follow_migration(
            state, old, new, chat.title or "", user.id if user else None, state.clock.now()
        )
        raise ApplicationHandlerStop
    if not is_dispatch_group(state, chat.id):
        await _leave(update, context, chat)
        raise ApplicationHandlerStop
    # The dispatch group: /whoami and the like go on to the later groups.


def register(app: FerrymanApp) -> None:
    # app.add_handler, not registry.add: a message in the dispatch group must go on.
    app.add_handler(
        ChatMemberHandler(on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER), group=Group.GATE
    )
    app.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.UpdateType.MESSAGE, on_group_message),
        group=Group.GATE,
    )
