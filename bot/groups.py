"""Groups the bot is in: only the dispatch group, which it follows when Telegram upgrades it.

Telegram gives a group a new id when it becomes a supergroup. Ferryman then keeps writing to
the new id (stored, so a restart keeps it) and asks the owners to update ``group_chat_id`` in
the settings; a settings file that names another group later wins over the stored id.
Notices already queued for the old id follow it; a send refused because the bot missed the
upgrade (``ChatMigrated``) is followed the same way by the outbox sender.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.domain.events import EventKind
from bot.i18n import N_
from bot.notify import admin_alert
from bot.state import AppState

log = logging.getLogger(__name__)

GROUP_LEFT = N_(
    "{who} added me to the group «{title}» (id {chat_id}). It is not the dispatch group, so I "
    "left it. To make it the dispatch group, set group_chat_id = {chat_id} in the settings "
    "and add me again."
)
GROUP_MIGRATED = N_(
    "The dispatch group «{title}» became a supergroup, so its id changed from {old} to {new}. "
    "I now write to the new id; please set group_chat_id = {new} in the settings."
)


def _override_key(settings_group: int) -> str:
    # Keyed by the group the settings name: a settings file naming another group wins.
    return f"group_chat_id:{settings_group}"


async def load_dispatch_group(state: AppState) -> None:
    """At start-up: the dispatch group's id as last followed."""
    configured = state.settings.company.group_chat_id
    if configured is None:
        return
    followed = await state.repos.overrides.get(_override_key(configured))
    if followed is not None:
        state.group_chat_id = int(followed)
        log.info("dispatch group %s is now %s (upgraded to a supergroup)", configured, followed)


def is_dispatch_group(state: AppState, chat_id: int) -> bool:
    return state.group_chat_id is not None and chat_id == state.group_chat_id


async def _tell_owners(
    state: AppState,
    kind: EventKind,
    msgid: str,
    *,
    key: str,
    actor: int | None,
    now: datetime,
    payload: dict[str, object],
    **values: Any,
) -> None:
    """The event, and every owner told in their language (in the caller's transaction): only
    an owner can change the settings file these notices are about."""
    await state.repos.events.append(
        kind, recorded_at=now, actor_telegram_id=actor, payload=payload
    )
    await state.repos.outbox.add(
        *await admin_alert(
            state, msgid, key=key, purpose="alert.group", owners_only=True, **values
        )
    )


async def record_left_group(
    state: AppState, chat_id: int, title: str, who: str, actor: int | None, now: datetime
) -> None:
    """The bot left a group that is not the dispatch group: an event, and the owners told."""
    async with state.repos.db.transaction():
        await _tell_owners(
            state,
            EventKind.GROUP_LEFT,
            GROUP_LEFT,
            key=f"group.left:{chat_id}:{now.isoformat()}",
            actor=actor,
            now=now,
            payload={"chat_id": chat_id, "title": title},
            who=who,
            title=title,
            chat_id=chat_id,
        )
    state.outbox.wake()


async def follow_migration(
    state: AppState, old: int, new: int, title: str, actor: int | None, now: datetime
) -> bool:
    """The dispatch group ``old`` is now the supergroup ``new``; False if that is not news."""
    configured = state.settings.company.group_chat_id
    if configured is None or old == new:
        return False
    key = _override_key(configured)
    # Both service messages (old group, new supergroup) may be handled at once: the check
    # and the change share the write transaction, so exactly one of them makes the change.
    async with state.repos.db.transaction():
        followed = await state.repos.overrides.get(key)
        if (int(followed) if followed is not None else configured) != old:
            return False
        await state.repos.overrides.set(key, str(new), now)
        # Notices queued for the old id (a digest, alerts) go to the new one, not lost.
        await state.repos.outbox.readdress(old, new)
        await _tell_owners(
            state,
            EventKind.GROUP_MIGRATED,
            GROUP_MIGRATED,
            key=f"group.migrated:{old}:{new}",
            actor=actor,
            now=now,
            payload={"from": old, "to": new},
            title=title,
            old=old,
            new=new,
        )
        state.group_chat_id = new
    log.info("dispatch group %s became supergroup %s; following it", old, new)
    state.outbox.wake()
    return True
