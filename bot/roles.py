"""Who may do what: owners come from settings, admins from the database."""

from __future__ import annotations

from bot.state import AppState


async def is_owner(state: AppState, telegram_id: int) -> bool:
    return telegram_id in state.settings.company.owners


async def is_admin(state: AppState, telegram_id: int) -> bool:
    if telegram_id in state.settings.company.owners:
        return True
    return telegram_id in await state.repos.admins.ids()


async def admin_ids(state: AppState) -> list[int]:
    """Everyone who should hear admin alerts, owners first, without duplicates."""
    ids = list(state.settings.company.owners)
    ids.extend(i for i in await state.repos.admins.ids() if i not in ids)
    return ids


async def can_verify(state: AppState, telegram_id: int) -> bool:
    return telegram_id in state.settings.clearance.checkpoint_users or await is_admin(
        state, telegram_id
    )
