"""The receiver at the lot: the driver's handover QR, then "Received" or "Problem with the car".

The receiver is not registered: the one-time link (``/start rcv-…``) is their only key."""

from __future__ import annotations

from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    Update,
    User,
)
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.domain.pending import InputKind
from bot.i18n import N_
from bot.notify import admin_alert, staff_photo
from bot.outbox import Method, Outgoing, Priority
from bot.services import handover as service
from bot.services.handover import LinkProblem, Outcome
from bot.services.trips import Trip
from bot.state import FerrymanApp, FerrymanContext
from bot.views import colour_name
from handlers.common import caller_language
from handlers.registry import NEW, PRIVATE, add
from handlers.router import add_dialog

HANDOVER = N_(
    "🤝 Handover of assignment #{number}: let the receiver scan this QR code with the phone "
    "camera, or send them this link. It works once.\n{link}"
)
CARD = N_(
    "🚗 {car}\nVIN: {vin}\nAssignment #{number}, driver {driver}\n🏁 {place}\n\n"
    "Is this car here, as in the photos?"
)
RECEIVED = N_("✅ Received")
PROBLEM = N_("⚠️ Problem with the car")
THANKS = N_("Thank you: the car of assignment #{number} is recorded as received by you.")
DESCRIBE = N_("What is wrong with the car? Send a message, or a photo with a caption.")
NOTED = N_("Thank you. The dispatcher has your report and will contact the driver.")
LINK_PROBLEMS = {
    LinkProblem.UNKNOWN: N_("This handover link is not valid."),
    LinkProblem.USED: N_("This handover link has been used already; it works once."),
    LinkProblem.EXPIRED: N_("This handover link has expired. Ask the driver or the dispatcher."),
}
DRIVER_CONFIRMED = N_("✅ {receiver} confirmed receiving the car of assignment #{number}.")
ADMIN_PROBLEM = N_(
    "⚠️ The receiver {receiver} reports a problem with the car of assignment #{number} "
    "({vin}, driver {driver}). Their description follows."
)
ADMIN_NOTE = N_("⚠️ Receiver {receiver}, assignment #{number} ({vin}): {note}")

_BUTTON = "rcv:"


def _person(user: User) -> str:
    return user.full_name + (f" (@{user.username})" if user.username else "")


async def send_handover(context: FerrymanContext, chat_id: int, trip: Trip, language: str) -> None:
    """After the driver's proof: the receiver's one-time link as a QR code and as text."""
    state = context.state
    handover = await service.offer_handover(
        state.repos, trip, state.clock.now(), state.settings.delivery.handover_valid_hours
    )
    link = service.handover_link(context.bot.username, handover.token)
    caption = state.translator.get(language, HANDOVER, number=trip.assignment.id, link=link)
    await context.bot.send_photo(chat_id, photo=await service.render_qr(link), caption=caption)


def _card(trip: Trip, context: FerrymanContext, language: str) -> str:
    tr = context.state.translator
    vehicle = trip.vehicle
    colour = colour_name(vehicle.colour, tr, language) if vehicle.colour else ""
    return tr.get(
        language,
        CARD,
        car=", ".join(part for part in (vehicle.model, colour) if part) or vehicle.vin,
        vin=vehicle.vin,
        number=trip.assignment.id,
        driver=trip.driver.name if trip.driver else "—",
        place=trip.destination.name_in(language),
    )


async def on_receiver_start(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    if message is None:
        return
    state = context.state
    token = context.args[0] if context.args else ""
    language = await caller_language(update, context)
    tr = state.translator
    opened = await service.open_handover(state.repos, token, state.clock.now())
    if opened.problem is not None or opened.trip is None:
        await message.reply_text(
            tr.get(language, LINK_PROBLEMS[opened.problem or LinkProblem.UNKNOWN])
        )
        return
    photos = [p.file_id for p in opened.photos if p.file_id]
    if len(photos) >= 2:
        await message.reply_media_group([InputMediaPhoto(file_id) for file_id in photos[:10]])
    elif photos:
        await message.reply_photo(photos[0])
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr.get(language, RECEIVED), callback_data=f"{_BUTTON}ok:{token}"
                ),
                InlineKeyboardButton(
                    tr.get(language, PROBLEM), callback_data=f"{_BUTTON}bad:{token}"
                ),
            ]
        ]
    )
    await message.reply_text(_card(opened.trip, context, language), reply_markup=keyboard)


async def on_receiver_button(update: Update, context: FerrymanContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    _, answer, token = (query.data or "").split(":", 2)
    outcome = Outcome.RECEIVED if answer == "ok" else Outcome.PROBLEM
    state = context.state
    tr = state.translator
    language = await caller_language(update, context)
    now = state.clock.now()
    async with state.repos.db.transaction():
        opened = await service.answer_handover(
            state.repos,
            token,
            telegram_id=user.id,
            name=_person(user),
            username=user.username,
            outcome=outcome,
            now=now,
        )
        if opened.problem is None and opened.trip is not None:
            await state.repos.outbox.add(*await _tell(context, opened.trip, user, outcome))
    if opened.problem is not None or opened.trip is None:
        await query.answer(tr.get(language, LINK_PROBLEMS[opened.problem or LinkProblem.UNKNOWN]))
        return
    state.outbox.wake()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(None)
    number = opened.trip.assignment.id
    text = THANKS if outcome is Outcome.RECEIVED else DESCRIBE
    await context.bot.send_message(user.id, tr.get(language, text, number=number))


async def _tell(
    context: FerrymanContext, trip: Trip, receiver: User, outcome: Outcome
) -> list[Outgoing]:
    """The driver hears of a confirmation; the admins of a problem (they act on it)."""
    state = context.state
    number = trip.assignment.id
    key = f"handover:{number}:{receiver.id}"
    if outcome is Outcome.PROBLEM:
        return await admin_alert(
            state,
            ADMIN_PROBLEM,
            key=f"alert.{key}",
            priority=Priority.URGENT,
            purpose="alert.receiver_problem",
            assignment_id=number,
            receiver=_person(receiver),
            number=number,
            vin=trip.vehicle.vin,
            driver=trip.driver.name if trip.driver else "—",
        )
    driver = trip.driver
    if driver is None or driver.telegram_id is None:
        return []
    text = state.translator.get(
        driver.language, DRIVER_CONFIRMED, receiver=_person(receiver), number=number
    )
    return [
        Outgoing(
            chat_id=driver.telegram_id,
            method=Method.SEND_MESSAGE,
            payload={"text": text},
            key=f"driver.{key}",
            priority=Priority.ALERT,
            purpose="receiver_confirmed",
            assignment_id=number,
            driver_id=driver.id,
        )
    ]


async def on_receiver_note(update: Update, context: FerrymanContext) -> bool:
    """The receiver's description of the problem: a text, or a photo with a caption."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return False
    photo = message.photo[-1].file_id if message.photo else None
    text = message.text if message.text is not None else message.caption or ""
    if photo is None and not text:
        return False
    state = context.state
    async with state.repos.db.transaction():
        trip = await service.record_note(
            state.repos, user.id, text=text, photo_file_id=photo, now=state.clock.now()
        )
        if trip is None:
            return False
        values: dict[str, Any] = {
            "receiver": _person(user),
            "number": trip.assignment.id,
            "vin": trip.vehicle.vin,
            "note": text.strip() or "—",
        }
        key = f"alert.receiver_note:{user.id}:{message.message_id}"
        if photo is not None:
            alerts = await staff_photo(state, photo, ADMIN_NOTE, key=key, **values)
        else:
            alerts = await admin_alert(
                state, ADMIN_NOTE, key=key, priority=Priority.URGENT, **values
            )
        await state.repos.outbox.add(*alerts)
    state.outbox.wake()
    language = await caller_language(update, context)
    await message.reply_text(state.translator.get(language, NOTED))
    return True


def register(app: FerrymanApp) -> None:
    # Before onboarding's /start: a handover link is not a driver invitation.
    receiver_start = filters.Regex(rf"^/start(@\w+)?\s+{service.LINK_PREFIX}")
    add(app, CommandHandler("start", on_receiver_start, filters=PRIVATE & NEW & receiver_start))
    add(app, CallbackQueryHandler(on_receiver_button, pattern=rf"^{_BUTTON}(ok|bad):"))
    add_dialog(app, InputKind.RECEIVER_NOTE, on_receiver_note)
