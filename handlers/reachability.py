"""A driver blocking or unblocking the bot: Telegram says so with a my_chat_member update.

Blocking marks the driver unreachable at once (the outbox would find out at the next send);
unblocking (or pressing Start again) makes them reachable, so dispatch includes them again.
"""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import ChatMemberHandler

from bot.domain.events import EventKind
from bot.i18n import N_
from bot.notify import admin_alert
from bot.outbox.sender import ALERT_UNREACHABLE
from bot.state import FerrymanApp, FerrymanContext
from handlers.registry import Group

BLOCKED = "bot was blocked by the user"  # Telegram's words, as the event records them
BLOCKED_REASON = N_("they blocked the bot")  # the same, in the admin's language


async def on_my_chat_member(update: Update, context: FerrymanContext) -> None:
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    state, user_id = context.state, change.chat.id
    now = state.clock.now()
    status = change.new_chat_member.status
    if status == ChatMember.BANNED:
        async with state.repos.db.transaction():
            driver = await state.repos.drivers.mark_unreachable(user_id, now)
            if driver is None:
                return
            await state.repos.events.append(
                EventKind.DRIVER_UNREACHABLE,
                recorded_at=now,
                driver_id=driver.id,
                payload={"error": BLOCKED},
            )
            await state.repos.outbox.add(
                *await admin_alert(
                    state,
                    ALERT_UNREACHABLE,
                    key=f"alert.unreachable:{driver.id}:{change.date.isoformat()}",
                    driver=driver.name,
                    phone=driver.phone or "—",
                    error=state.translator.per_reader(BLOCKED_REASON),
                )
            )
        state.outbox.wake()
    elif status == ChatMember.MEMBER:
        async with state.repos.db.transaction():
            if await state.repos.drivers.mark_reachable(user_id):
                driver = await state.repos.drivers.by_telegram_id(user_id)
                await state.repos.events.append(
                    EventKind.DRIVER_REACHABLE,
                    recorded_at=now,
                    driver_id=driver.id if driver else None,
                )


def register(app: FerrymanApp) -> None:
    # A group of its own next to the gates, so no other my_chat_member handler shadows it.
    app.add_handler(
        ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER), Group.GATE + 1
    )
