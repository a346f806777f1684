"""Single changes to the day: /assign, /reassign, /cancel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.clearance.messages import STATUS_NAMES
from bot.domain.lifecycle import Action, Status
from bot.domain.models import Driver, DriverStatus
from bot.i18n import N_
from bot.outbox import Method, Outgoing, Priority
from bot.roles import admin_languages
from bot.services.corrections import AdminChange, apply_admin_action
from bot.services.dispatch import assignment_message
from bot.services.driver_profile import find_drivers
from bot.services.errors import Refusal, ServiceRefused
from bot.services.manifest_changes import (
    ASSIGN_USAGE,
    Reassigned,
    assign_one,
    free_drivers,
    parse_assign,
    reassign,
)
from bot.state import AppState, FerrymanApp, FerrymanContext
from bot.timefmt import format_time
from handlers.admin_board import MANY_DRIVERS, NO_SUCH_DRIVER
from handlers.common import log, refuse
from handlers.corrections import DONE, driver_notice, tell_driver
from handlers.guards import admin_only
from handlers.registry import NEW, PRIVATE, add

ASSIGNED = N_(
    "✅ Trip #{number}: {driver}, {vin} → {destination}, pickup {pickup}, deliver by "
    "{deliver_by}. It goes out with the next dispatch."
)
NOT_ASSIGNED = N_("❌ Not assigned: {reasons}")
REASSIGN_USAGE = N_("Usage: /reassign NUMBER PHONE|NAME")
CANCEL_USAGE = N_("Usage: /cancel NUMBER [reason]")
NOT_NOW = N_("Not possible: assignment #{number} is {status}.")
DRIVER_BUSY = N_("{name} already has trip #{other} on {day}.")
DRIVER_INACTIVE = N_("{name} is not an active driver.")
REASSIGNED = N_("✅ Trip #{number} is now {name}'s. {sent}")
REASSIGNED_SENT = N_("It has been sent to them; the previous driver's copy says so.")
REASSIGNED_LATER = N_("It goes out to them with the next dispatch.")
REASSIGNED_UNREACHABLE = N_("They are not registered in the bot yet, so it could not be sent.")
TO_OLD_DRIVER = N_(
    "↪️ Assignment #{number} ({vin}) has been given to another driver. You have nothing more "
    "to do for it."
)
CANCELLED = N_(
    "✅ Trip #{number} ({vin}) is cancelled; its clearance code no longer passes /verify."
)
TO_DRIVER_CANCELLED = N_("❌ Assignment #{number} ({vin}) is cancelled by your dispatcher.")
TO_DRIVER_REASON = N_("Reason: {reason}")


REASSIGN_BUTTON = N_("🔁 Reassign")
CHOOSE_DRIVER = N_("Give trip #{number} ({day}) to one of the drivers free that day:")
NOBODY_FREE = N_(
    "No registered driver is free on {day}. /reassign {number} PHONE|NAME gives it to someone "
    "who is."
)


def register(app: FerrymanApp) -> None:
    add(app, CommandHandler("assign", on_assign, filters=PRIVATE & NEW))
    add(app, CommandHandler("reassign", on_reassign, filters=PRIVATE & NEW))
    add(app, CommandHandler("cancel", on_cancel, filters=PRIVATE & NEW))
    add(app, CallbackQueryHandler(on_reassign_button, pattern=r"^ra:"))


async def with_reassign_button(
    state: AppState, messages: list[Outgoing], assignment_id: int
) -> list[Outgoing]:
    """A decline alert with a "Reassign" button, labelled in each admin's language."""
    languages = await admin_languages(state)
    default = state.settings.company.default_language
    button = f"ra:{assignment_id}"
    return [
        replace(
            message,
            payload={
                **message.payload,
                "reply_markup": InlineKeyboardMarkup(
                    [
                        [
                            InlineKeyboardButton(
                                state.translator.get(
                                    languages.get(message.chat_id, default), REASSIGN_BUTTON
                                ),
                                callback_data=button,
                            )
                        ]
                    ]
                ).to_dict(),
            },
        )
        for message in messages
    ]


@admin_only
async def on_reassign_button(update: Update, context: FerrymanContext) -> None:
    """``ra:N``: the drivers free that day as buttons; ``ra:N:D``: give trip N to driver D."""
    query = update.callback_query
    assert query is not None
    state = context.state
    t = _t(state, context.caller.language)
    parts = (query.data or "").split(":")
    if len(parts) not in (2, 3) or not all(p.isascii() and p.isdigit() for p in parts[1:]):
        await query.answer()
        return
    number = int(parts[1])
    assignment = await state.repos.assignments.get(number)
    message = query.message
    if assignment is None or not isinstance(message, Message):
        await refuse(update, context, Refusal.UNKNOWN_ASSIGNMENT, "button ra")
        return
    await query.answer()
    if len(parts) == 2:
        free = [
            d
            for d in await free_drivers(state.repos, assignment.service_date)
            if d.id != assignment.driver_id  # who declined it is not offered it again
        ]
        day = assignment.service_date.isoformat()
        if not free:
            await message.reply_text(t(NOBODY_FREE, day=day, number=number))
            return
        rows = [
            [InlineKeyboardButton(f"{d.name} {d.phone}", callback_data=f"ra:{number}:{d.id}")]
            for d in free
        ]
        await message.reply_text(
            t(CHOOSE_DRIVER, number=number, day=day), reply_markup=InlineKeyboardMarkup(rows)
        )
        return
    driver = await state.repos.drivers.get(int(parts[2]))
    if driver is None:
        return
    # The choice is made: the list's buttons go, so a second press cannot reassign again.
    await message.edit_reply_markup(reply_markup=None)
    await _reassign(update, context, number, driver, t)


def _t(state: AppState, language: str) -> Callable[..., str]:
    return lambda msgid, **values: state.translator.get(language, msgid, **values)


def _number(args: list[str]) -> int | None:
    if args and args[0].lstrip("#").isascii() and args[0].lstrip("#").isdigit():
        return int(args[0].lstrip("#")) if len(args[0]) <= 12 else None
    return None


async def _one_driver(
    update: Update, query: str, state: AppState, t: Callable[..., str]
) -> Driver | None:
    message = update.effective_message
    assert message is not None
    found = await find_drivers(state.repos, query)
    if len(found) == 1:
        return found[0]
    if not found:
        await message.reply_text(t(NO_SUCH_DRIVER, query=query))
    else:
        names = "\n".join(f"• {d.name} {d.phone}" for d in found[:10])
        await message.reply_text(t(MANY_DRIVERS, query=query) + "\n" + names)
    return None


@admin_only
async def on_assign(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    assert message is not None
    state = context.state
    t = _t(state, context.caller.language)
    request = parse_assign(context.args or [])
    if request is None:
        lots = [p.code for p in await state.repos.places.all() if p.kind == "lot"]
        day = state.clock.now().astimezone(state.settings.company.timezone).date()
        example = f"13900000001 LGXCE4CB7R0000001 {lots[0] if lots else '-'} {day} 09:00"
        await message.reply_text(t(ASSIGN_USAGE, example=example))
        return
    driver = await _one_driver(update, request.driver, state, t)
    if driver is None:
        return
    zone = state.settings.company.timezone
    result = await assign_one(
        state.repos,
        state.clearance,
        request,
        driver,
        timezone=zone,
        now=state.clock.now(),
        actor=context.caller.telegram_id,
    )
    if result.row is None or result.assignment_id is None:
        reasons = "; ".join(r.text(t) for r in result.reasons)
        await message.reply_text(t(NOT_ASSIGNED, reasons=reasons))
        return
    row = result.row
    destination = await state.repos.places.get(row.destination_place_id)
    log.info("admin %s assigned trip %s", context.caller.telegram_id, result.assignment_id)
    await message.reply_text(
        t(
            ASSIGNED,
            number=result.assignment_id,
            driver=driver.name,
            vin=row.vin,
            destination=destination.name_in(context.caller.language) if destination else "?",
            pickup=format_time(row.pickup_at, zone, context.caller.language),
            deliver_by=format_time(row.deliver_by, zone, context.caller.language),
        )
    )


@admin_only
async def on_reassign(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    assert message is not None
    state = context.state
    t = _t(state, context.caller.language)
    args = context.args or []
    number = _number(args)
    if number is None or len(args) < 2:
        await message.reply_text(t(REASSIGN_USAGE))
        return
    driver = await _one_driver(update, " ".join(args[1:]), state, t)
    if driver is None:
        return
    current = await state.repos.assignments.get(number)
    if current is None:
        await refuse(update, context, Refusal.UNKNOWN_ASSIGNMENT, "/reassign")
        return
    if driver.status is not DriverStatus.ACTIVE:
        await message.reply_text(t(DRIVER_INACTIVE, name=driver.name))
        return
    bookings = await state.repos.manifests.bookings([current.service_date])
    other = bookings.drivers.get((driver.id, current.service_date))
    if other is not None and other != number:
        await message.reply_text(
            t(DRIVER_BUSY, name=driver.name, other=other, day=current.service_date.isoformat())
        )
        return
    await _reassign(update, context, number, driver, t)


async def _reassign(
    update: Update,
    context: FerrymanContext,
    number: int,
    driver: Driver,
    t: Callable[..., str],
) -> None:
    """Shared by /reassign and the "Reassign" button of a decline alert.

    The old driver's copies are edited and the new driver's message queued in the outbox, in
    the same transaction as the change itself.
    """
    message = update.effective_message
    assert message is not None
    state = context.state
    now = state.clock.now()
    try:
        async with state.repos.db.transaction():
            done = await reassign(
                state.repos, number, driver, now=now, actor=context.caller.telegram_id
            )
            await state.repos.outbox.add(*_reassign_messages(state, done))
    except ServiceRefused as refusal:
        if refusal.reason is Refusal.ILLEGAL_STEP:
            current = await state.repos.assignments.get(number)
            status = current.status if current is not None else Status.CANCELLED
            await message.reply_text(t(NOT_NOW, number=number, status=t(STATUS_NAMES[status])))
            return
        await refuse(update, context, refusal.reason, "/reassign")
        return
    state.outbox.wake()
    if done.before.assignment.status is Status.PLANNED:
        sent = t(REASSIGNED_LATER)
    elif driver.telegram_id is None:
        sent = t(REASSIGNED_UNREACHABLE)
    else:
        sent = t(REASSIGNED_SENT)
    log.info("admin %s reassigned trip %s", context.caller.telegram_id, number)
    await message.reply_text(t(REASSIGNED, number=number, name=driver.name, sent=sent))


def _reassign_messages(state: AppState, done: Reassigned) -> list[Outgoing]:
    number = done.after.assignment.id
    old = done.before.driver
    language = old.language if old is not None else state.settings.company.default_language
    caption = state.translator.get(
        language, TO_OLD_DRIVER, number=number, vin=done.before.vehicle.vin
    )
    # Without reply_markup: the old driver's buttons go away with the new caption.
    messages = [
        Outgoing(
            chat_id=chat_id,
            method=Method.EDIT_MESSAGE_CAPTION,
            payload={"message_id": message_id, "caption": caption},
            key=f"reassigned:{number}:{chat_id}:{message_id}",
            priority=Priority.ALERT,
            purpose="reassigned",
            assignment_id=number,
        )
        for chat_id, message_id in done.old_messages
    ]
    new = done.after.driver
    if done.before.assignment.status is not Status.PLANNED and new and new.telegram_id:
        # The trip had reached a driver: the new one gets it now, not at the next dispatch.
        messages.append(assignment_message(done.after.assignment, new, priority=Priority.ALERT))
    return messages


@admin_only
async def on_cancel(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    assert message is not None
    state = context.state
    t = _t(state, context.caller.language)
    args = context.args or []
    number = _number(args)
    if number is None:
        await message.reply_text(t(CANCEL_USAGE))
        return
    reason = " ".join(args[1:])[:500]
    try:
        async with state.repos.db.transaction():
            change = await apply_admin_action(
                state.repos,
                context.caller.telegram_id,
                number,
                Action.CANCEL,
                now=state.clock.now(),
                reason=reason,
            )
            await state.repos.outbox.add(
                *_cancel_messages(state, change, reason), *driver_notice(state, change)
            )
    except ServiceRefused as refusal:
        if refusal.reason is not Refusal.ILLEGAL_STEP:
            await refuse(update, context, refusal.reason, "/cancel")
            return
        current = await state.repos.assignments.get(number)
        status = current.status if current is not None else Status.CANCELLED
        await message.reply_text(t(NOT_NOW, number=number, status=t(STATUS_NAMES[status])))
        return
    state.outbox.wake()
    log.info("admin %s cancelled trip %s", context.caller.telegram_id, number)
    trip = change.trip
    await tell_driver(context.bot, state, change)
    if change.returning:
        await message.reply_text(
            t(
                DONE[Status.RETURNING],
                number=number,
                vin=trip.vehicle.vin,
                place=trip.pickup.name_in(context.caller.language),
            )
        )
    else:
        await message.reply_text(t(CANCELLED, number=number, vin=trip.vehicle.vin))


def _cancel_messages(state: AppState, change: AdminChange, reason: str) -> list[Outgoing]:
    """The driver who had the trip is told it is off (the domain words the "returning" case)."""
    trip = change.trip
    driver = trip.driver
    if (
        change.returning
        or change.before is Status.PLANNED
        or driver is None
        or driver.telegram_id is None
    ):
        return []
    number = trip.assignment.id
    lines = [
        state.translator.get(
            driver.language, TO_DRIVER_CANCELLED, number=number, vin=trip.vehicle.vin
        )
    ]
    if reason:
        lines.append(state.translator.get(driver.language, TO_DRIVER_REASON, reason=reason))
    return [
        Outgoing(
            chat_id=driver.telegram_id,
            method=Method.SEND_MESSAGE,
            payload={"text": "\n".join(lines)},
            key=f"cancelled:{number}:{driver.telegram_id}",
            priority=Priority.ALERT,
            purpose="cancelled",
            assignment_id=number,
            driver_id=driver.id,
        )
    ]
