"""What the bot says on its own initiative.

The builders (``admin_alert``, ``group_notice``, ``staff_photo``) make outbox rows; callers add
them in the transaction of the change that causes them and the outbox sender delivers them.
``send_assignment`` and ``refresh_trip_messages`` stay direct: they answer a driver's own
``/today`` or button press.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from telegram import Bot, Message
from telegram.error import BadRequest

from bot.domain.events import EventKind
from bot.domain.lifecycle import Action, Status, next_status
from bot.i18n import N_
from bot.outbox import Method, Outgoing, Priority
from bot.roles import admin_languages
from bot.services.trips import Trip, load_trip
from bot.services.visa import is_in_kazakhstan
from bot.state import AppState
from bot.telegram_limits import MESSAGE_LIMIT, fit, fit_caption
from bot.views import trip_caption, trip_keyboard

log = logging.getLogger(__name__)

ASSIGNMENT_MESSAGE = "assignment"
MAP_MESSAGE = "map"
PICK_UP_HERE = N_("Pick up here: {place}")
DELIVER_HERE = N_("Deliver here: {place}")


class NoDriver(Exception):
    """The assignment has no registered driver to send it to."""


async def _send_qr(
    bot: Bot, state: AppState, trip: Trip, chat_id: int, caption: str, keyboard: Any
) -> Message:
    """By Telegram's file id when it has the image; by upload if that id no longer works."""
    a = trip.assignment
    cached = await state.clearance.cached_file_id(a.clearance_code)
    if cached:
        try:
            return await bot.send_photo(
                chat_id, photo=cached, caption=caption, reply_markup=keyboard
            )
        except BadRequest as exc:
            log.warning("cached QR file id refused (%s); uploading again", exc.message)
            await state.clearance.forget_file_id(a.clearance_code)
    png = await state.clearance.image(a.clearance_code, trip.vehicle.vin, a.service_date)
    return await bot.send_photo(chat_id, photo=png, caption=caption, reply_markup=keyboard)


async def send_assignment(bot: Bot, state: AppState, assignment_id: int) -> Message:
    """The QR with the trip as caption and the next-step buttons, then both map pins."""
    trip = await load_trip(state.repos, assignment_id)
    driver = None if trip is None else trip.driver
    if trip is None or driver is None or driver.telegram_id is None:
        raise NoDriver(f"assignment {assignment_id} has no registered driver")
    chat_id = driver.telegram_id
    language = driver.language
    tr = state.translator
    now = state.clock.now()
    in_kz = await is_in_kazakhstan(state.repos, driver.id, state.clock.now())
    if trip.assignment.status is Status.PLANNED:
        # The driver sees the trip as it will be once this send is recorded.
        shown = replace(trip.assignment, status=next_status(Status.PLANNED, Action.SEND))
        trip = replace(trip, assignment=shown)
    message = await _send_qr(
        bot,
        state,
        trip,
        chat_id,
        trip_caption(trip, tr, language, state.settings.company.timezone),
        trip_keyboard(trip, tr, language, in_kz),
    )
    if message.photo:
        await state.clearance.remember_file_id(
            trip.assignment.clearance_code, message.photo[-1].file_id
        )
    # Recorded before the map pins: once Telegram has the QR, the trip counts as sent.
    async with state.repos.db.transaction():
        await state.repos.assignments.record_message(
            assignment_id, chat_id, message.message_id, ASSIGNMENT_MESSAGE, now
        )
        assignment = await state.repos.assignments.get(assignment_id)
        assert assignment is not None
        if assignment.status is Status.PLANNED:
            status = next_status(assignment.status, Action.SEND)
            await state.repos.assignments.set_status(assignment, status, now)
            kind = EventKind.of_action(Action.SEND)
        else:
            kind = EventKind.RESENT
        await state.repos.events.append(
            kind,
            recorded_at=now,
            assignment_id=assignment_id,
            driver_id=driver.id,
            payload={"message_id": message.message_id},
        )
    await send_map_pins(bot, state, trip, chat_id, language)
    return message


async def send_map_pins(
    bot: Bot, state: AppState, trip: Trip, chat_id: int, language: str
) -> None:
    """The yard and the lot as map pins (on "Accept" and "📍 Map", not with the dispatch)."""
    for label, place in (
        (PICK_UP_HERE, trip.pickup),
        (DELIVER_HERE, trip.destination),
    ):
        pin = await bot.send_venue(
            chat_id,
            latitude=place.latitude,
            longitude=place.longitude,
            title=state.translator.get(language, label, place=place.name_in(language)),
            # Without an address in the settings, the name in the reader's language.
            address=place.address or place.name_in(language),
        )
        await state.repos.assignments.record_message(
            trip.assignment.id, chat_id, pin.message_id, MAP_MESSAGE, state.clock.now()
        )


async def has_map_pins(state: AppState, trip: Trip) -> bool:
    return bool(await state.repos.assignments.messages(trip.assignment.id, MAP_MESSAGE))


async def refresh_trip_messages(bot: Bot, state: AppState, trip: Trip) -> None:
    """Every copy of the assignment message shows the new status; the newest the buttons."""
    if trip.driver is None:
        return
    language = trip.driver.language
    tr = state.translator
    caption = trip_caption(trip, tr, language, state.settings.company.timezone)
    keyboard = trip_keyboard(
        trip, tr, language, await is_in_kazakhstan(state.repos, trip.driver.id, state.clock.now())
    )
    copies = await state.repos.assignments.messages(trip.assignment.id, ASSIGNMENT_MESSAGE)
    for index, sent in enumerate(copies):
        # Only the newest copy carries buttons (the morning re-send took them off the older).
        newest = index == len(copies) - 1
        try:
            await bot.edit_message_caption(
                chat_id=sent.chat_id,
                message_id=sent.message_id,
                caption=caption,
                reply_markup=keyboard if newest else None,
            )
        except BadRequest as exc:
            # "message is not modified" or a message the driver deleted: nothing to fix.
            log.debug("could not refresh message %s: %s", sent.message_id, exc.message)


async def admin_language(state: AppState, telegram_id: int) -> str:
    """The language this admin or owner reads alerts in."""
    languages = await admin_languages(state)
    return languages.get(telegram_id, state.settings.company.default_language)


async def admin_alert(
    state: AppState,
    msgid: str,
    *,
    key: str,
    priority: Priority = Priority.ALERT,
    purpose: str = "alert",
    assignment_id: int | None = None,
    driver_id: int | None = None,
    owners_only: bool = False,
    **values: Any,
) -> list[Outgoing]:
    """One message per admin and owner, each in that admin's language (built, not sent).

    ``key`` names the occasion; the admin's chat id is appended so each copy is idempotent.
    ``owners_only``: for what only an owner can act on (the settings file).
    """
    messages: list[Outgoing] = []
    for admin_id, language in (await admin_languages(state)).items():
        if owners_only and admin_id not in state.settings.company.owners:
            continue
        text = state.translator.get(language, msgid, **values)
        messages.append(
            Outgoing(
                chat_id=admin_id,
                method=Method.SEND_MESSAGE,
                payload={"text": fit(text, MESSAGE_LIMIT)},
                key=f"{key}:{admin_id}",
                priority=priority,
                purpose=purpose if purpose.startswith("alert") else f"alert.{purpose}",
                assignment_id=assignment_id,
                driver_id=driver_id,
            )
        )
    return messages


def group_notice(
    state: AppState,
    msgid: str,
    *,
    key: str,
    priority: Priority = Priority.ROUTINE,
    purpose: str = "group",
    **values: Any,
) -> list[Outgoing]:
    """The message for the dispatch group in the company's language; none without a group."""
    group = state.group_chat_id
    if group is None:
        return []
    text = state.translator.get(state.settings.company.default_language, msgid, **values)
    return [
        Outgoing(
            chat_id=group,
            method=Method.SEND_MESSAGE,
            payload={"text": fit(text, MESSAGE_LIMIT)},
            key=f"{key}:{group}",
            priority=priority,
            purpose=purpose,
        )
    ]


async def staff_photo(
    state: AppState,
    photo_file_id: str,
    msgid: str,
    *,
    key: str,
    priority: Priority = Priority.URGENT,
    purpose: str = "alert.photo",
    **values: Any,
) -> list[Outgoing]:
    """A driver's photo for every admin (in their language) and the dispatch group."""
    targets = list((await admin_languages(state)).items())
    group = state.group_chat_id
    if group is not None:
        targets.append((group, state.settings.company.default_language))
    return [
        Outgoing(
            chat_id=chat_id,
            method=Method.SEND_PHOTO,
            payload={
                "photo": photo_file_id,
                "caption": fit_caption(state.translator.get(language, msgid, **values)),
            },
            key=f"{key}:{chat_id}",
            priority=priority,
            purpose=purpose,
        )
        for chat_id, language in targets
    ]
