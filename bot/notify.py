"""Outgoing Telegram messages that services trigger: assignments, alerts, group notices."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from telegram import Bot, Message
from telegram.error import BadRequest, Forbidden

from bot.domain.events import EventKind
from bot.domain.lifecycle import Action, Status, next_status
from bot.i18n import N_
from bot.roles import admin_ids
from bot.services.trips import Trip, load_trip
from bot.services.visa import is_in_kazakhstan
from bot.state import AppState
from bot.telegram_limits import fit_caption
from bot.views import trip_caption, trip_keyboard

log = logging.getLogger(__name__)

ASSIGNMENT_MESSAGE = "assignment"


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
    in_kz = await is_in_kazakhstan(state.repos, driver.id)
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
    for label, place in (
        (N_("Pick up here"), trip.pickup),
        (N_("Deliver here"), trip.destination),
    ):
        await bot.send_venue(
            chat_id,
            latitude=place.latitude,
            longitude=place.longitude,
            title=f"{tr.get(language, label)}: {place.name_in(language)}",
            address=place.address or place.name,
        )
    return message


async def refresh_trip_messages(bot: Bot, state: AppState, trip: Trip) -> None:
    """Every copy of the assignment message shows the new status and only legal buttons."""
    if trip.driver is None:
        return
    language = trip.driver.language
    tr = state.translator
    caption = trip_caption(trip, tr, language, state.settings.company.timezone)
    keyboard = trip_keyboard(
        trip, tr, language, await is_in_kazakhstan(state.repos, trip.driver.id)
    )
    for sent in await state.repos.assignments.messages(trip.assignment.id, ASSIGNMENT_MESSAGE):
        try:
            await bot.edit_message_caption(
                chat_id=sent.chat_id,
                message_id=sent.message_id,
                caption=caption,
                reply_markup=keyboard,
            )
        except BadRequest as exc:
            # "message is not modified" or a message the driver deleted: nothing to fix.
            log.debug("could not refresh message %s: %s", sent.message_id, exc.message)


async def notify_admins(bot: Bot, state: AppState, message: str, **values: Any) -> None:
    language = state.settings.company.default_language
    text = state.translator.get(language, message, **values)
    for admin_id in await admin_ids(state):
        try:
            await bot.send_message(admin_id, text)
        except (Forbidden, BadRequest) as exc:
            log.warning("admin %s unreachable: %s", admin_id, exc.message)


async def notify_group(bot: Bot, state: AppState, message: str, **values: Any) -> None:
    group = state.settings.company.group_chat_id
    if group is None:
        return
    language = state.settings.company.default_language
    try:
        await bot.send_message(group, state.translator.get(language, message, **values))
    except (Forbidden, BadRequest) as exc:
        log.warning("dispatch group unreachable: %s", exc.message)


async def forward_photo_to_staff(
    bot: Bot, state: AppState, photo_file_id: str, caption: str
) -> None:
    targets = list(await admin_ids(state))
    if state.settings.company.group_chat_id is not None:
        targets.append(state.settings.company.group_chat_id)
    for chat_id in targets:
        try:
            await bot.send_photo(chat_id, photo=photo_file_id, caption=fit_caption(caption))
        except (Forbidden, BadRequest) as exc:
            log.warning("chat %s unreachable for a problem photo: %s", chat_id, exc.message)
