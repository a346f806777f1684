"""The buttons under an assignment message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler

from bot.domain.lifecycle import Action
from bot.i18n import N_
from bot.notify import admin_alert, has_map_pins, refresh_trip_messages, send_map_pins
from bot.outbox import Priority
from bot.services import pickup, problems, proof, trips
from bot.services.errors import Refusal, ServiceRefused
from bot.state import FerrymanApp, FerrymanContext
from bot.views import TripButton, TripPress, parse_callback
from handlers.admin_changes import with_reassign_button
from handlers.common import answer, log, refuse, user_language
from handlers.pickup import ask_for_pickup_photo
from handlers.problem_report import ask_for_problem
from handlers.proof_prompts import ask_for_next_proof
from handlers.registry import Group, add

ACTIONS = {
    TripButton.ACCEPT: Action.ACCEPT,
    TripButton.DECLINE: Action.DECLINE,
    TripButton.PICK_UP: Action.PICK_UP,
    TripButton.CROSS: Action.CROSS,
}
CONFIRMED = {
    Action.ACCEPT: N_("Accepted. Pick up the car at {place}."),
    Action.DECLINE: N_("Declined. The dispatcher has been told."),
    Action.PICK_UP: N_("Car picked up. Drive safely!"),
    Action.CROSS: N_("Border crossed. Your visa-free stay has started: /me shows the days."),
}
DECLINED_NOTICE = N_("Driver {driver} declined assignment #{number} ({vin}).")
BACK_IN_CHINA = N_("Welcome back to China. Your visa-free stay has ended.")
DELIVERY_UNDER_WAY = N_("Delivery already started: send what the message above asks for.")

Handler = Callable[[Update, FerrymanContext, TripPress], Awaitable[None]]


async def on_unknown_button(update: Update, context: FerrymanContext) -> None:
    """A button no handler knows: tampered data, or one left from an older version."""
    user = update.effective_user
    log.warning("unrecognised button data from user %s", user.id if user else "?")
    await refuse(update, context, Refusal.ILLEGAL_STEP, "button")


async def on_trip_button(update: Update, context: FerrymanContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    press = parse_callback(query.data)
    if press is None:
        log.warning("unrecognised button data from user %s", user.id)
        await refuse(update, context, Refusal.ILLEGAL_STEP, "button")
        return
    try:
        await BUTTONS.get(press.button, _lifecycle)(update, context, press)
    except ServiceRefused as refusal:
        await refuse(update, context, refusal.reason, f"button {press.button.value}")


async def _lifecycle(update: Update, context: FerrymanContext, press: TripPress) -> None:
    state, user = context.state, update.effective_user
    assert user is not None
    action = ACTIONS[press.button]
    # A button press carries no Telegram timestamp; our clock is the record. The admins' alert
    # about a decline commits with the decline itself, so neither can be lost without the other.
    async with state.repos.db.transaction():
        trip = await trips.apply_driver_action(
            state.repos,
            user.id,
            press.assignment_id,
            action,
            now=state.clock.now(),
            telegram_at=None,
        )
        if action is Action.DECLINE and trip.driver is not None:
            # Admins hear it now (someone must take the car); the group reads it in the digest.
            alerts = await admin_alert(
                state,
                DECLINED_NOTICE,
                key=f"alert.decline:{trip.assignment.id}:{trip.driver.id}",
                priority=Priority.URGENT,
                purpose="alert.decline",
                assignment_id=trip.assignment.id,
                driver_id=trip.driver.id,
                driver=trip.driver.name,
                number=trip.assignment.id,
                vin=trip.vehicle.vin,
            )
            # With a "Reassign" button offering the drivers free that day (handlers.admin_changes).
            await state.repos.outbox.add(
                *await with_reassign_button(state, alerts, trip.assignment.id)
            )
    state.outbox.wake()
    # Buttons first, then the toast: when the driver sees it, the keyboard is already right.
    await refresh_trip_messages(context.bot, state, trip)
    language = await user_language(state, user)
    await answer(update, context, CONFIRMED[action], place=trip.pickup.name_in(language))
    if action is Action.ACCEPT and not await has_map_pins(state, trip):
        # The dispatch left the pins out (one message per driver); now they help.
        await send_map_pins(context.bot, state, trip, user.id, language)


async def _deliver(update: Update, context: FerrymanContext, press: TripPress) -> None:
    state, query, user = context.state, update.callback_query, update.effective_user
    assert query is not None and user is not None
    step = await proof.start_delivery(
        state.repos, state.settings.delivery, user.id, press.assignment_id, state.clock.now()
    )
    if step.repeated:
        # Nothing changed, so nothing new is sent: the toast points at the question asked.
        await answer(update, context, DELIVERY_UNDER_WAY)
        return
    await query.answer()
    await ask_for_next_proof(context, user, step)


async def _problem(update: Update, context: FerrymanContext, press: TripPress) -> None:
    state, query, user = context.state, update.callback_query, update.effective_user
    assert query is not None and user is not None
    await problems.begin_problem(state.repos, user.id, press.assignment_id, state.clock.now())
    await query.answer()
    await ask_for_problem(context, user)


async def _back(update: Update, context: FerrymanContext, press: TripPress) -> None:
    state, user = context.state, update.effective_user
    assert user is not None
    trip = await trips.owned_trip(state.repos, user.id, press.assignment_id)
    await trips.return_to_china(state.repos, user.id, now=state.clock.now(), telegram_at=None)
    await refresh_trip_messages(context.bot, state, trip)
    await answer(update, context, BACK_IN_CHINA)


async def _qr_file(update: Update, context: FerrymanContext, press: TripPress) -> None:
    """The QR as a lossless PNG document: photos get recompressed, files do not."""
    state, query, user = context.state, update.callback_query, update.effective_user
    assert query is not None and user is not None
    trip = await trips.owned_trip(state.repos, user.id, press.assignment_id)
    await query.answer()
    a = trip.assignment
    png = await state.clearance.image(a.clearance_code, trip.vehicle.vin, a.service_date)
    await context.bot.send_document(
        user.id, document=InputFile(png, filename=f"QR-{trip.vehicle.vin}.png")
    )


async def _map(update: Update, context: FerrymanContext, press: TripPress) -> None:
    state, query, user = context.state, update.callback_query, update.effective_user
    assert query is not None and user is not None
    trip = await trips.owned_trip(state.repos, user.id, press.assignment_id)
    await query.answer()
    await send_map_pins(context.bot, state, trip, user.id, await user_language(state, user))


async def _pick_up(update: Update, context: FerrymanContext, press: TripPress) -> None:
    """With the pickup checklist on, "Picked up" first asks for its photos."""
    state, query, user = context.state, update.callback_query, update.effective_user
    assert query is not None and user is not None
    if state.settings.pickup.photos:
        step = await pickup.start_pickup(
            state.repos, state.settings.pickup, user.id, press.assignment_id, state.clock.now()
        )
        if step.next_item is not None:
            await query.answer()
            await ask_for_pickup_photo(context, user, step)
            return
    await _lifecycle(update, context, press)


BUTTONS: dict[TripButton, Handler] = {
    TripButton.PICK_UP: _pick_up,
    TripButton.MAP: _map,
    TripButton.DELIVER: _deliver,
    TripButton.PROBLEM: _problem,
    TripButton.BACK: _back,
    TripButton.QR_FILE: _qr_file,
}


def register(app: FerrymanApp) -> None:
    add(app, CallbackQueryHandler(on_trip_button, pattern=r"^trip:"))
    # Last, in the fallback group: any button that no module's pattern claimed.
    add(app, CallbackQueryHandler(on_unknown_button), Group.FALLBACK)
