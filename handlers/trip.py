"""The buttons under an assignment message."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.domain.lifecycle import Action
from bot.i18n import N_
from bot.notify import notify_admins, notify_group, refresh_trip_messages
from bot.services import problems, proof, trips
from bot.services.errors import Refusal, ServiceRefused
from bot.state import FerrymanContext
from bot.views import TripButton, TripPress, parse_callback
from handlers.common import answer, log, refuse
from handlers.proof_prompts import ask_for_next_proof

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
GROUP_NOTICES = {
    Action.DECLINE: N_("Driver {driver} declined assignment #{number} ({vin})."),
}
BACK_IN_CHINA = N_("Welcome back to China. Your visa-free stay has ended.")
PROBLEM_PROMPT = N_("Describe the problem in one message; you can attach a photo.")


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
        await _handle(update, context, press)
    except ServiceRefused as refusal:
        await refuse(update, context, refusal.reason, f"button {press.button.value}")


async def _handle(update: Update, context: FerrymanContext, press: TripPress) -> None:
    state, query, user = context.state, update.callback_query, update.effective_user
    assert query is not None and user is not None
    # A button press carries no Telegram timestamp; our clock is the record.
    now = state.clock.now()
    if press.button in ACTIONS:
        action = ACTIONS[press.button]
        trip = await trips.apply_driver_action(
            state.repos, user.id, press.assignment_id, action, now=now, telegram_at=now
        )
        await answer(update, context, CONFIRMED[action], place=trip.pickup.name)
        await refresh_trip_messages(context.bot, state, trip)
        if action in GROUP_NOTICES and trip.driver is not None:
            values = {
                "driver": trip.driver.name,
                "number": trip.assignment.id,
                "vin": trip.vehicle.vin,
            }
            await notify_admins(context.bot, state, GROUP_NOTICES[action], **values)
            await notify_group(context.bot, state, GROUP_NOTICES[action], **values)
    elif press.button is TripButton.DELIVER:
        step = await proof.start_delivery(
            state.repos, state.settings.delivery, user.id, press.assignment_id, now
        )
        await query.answer()
        await ask_for_next_proof(context, user.id, step)
    elif press.button is TripButton.PROBLEM:
        await problems.begin_problem(state.repos, user.id, press.assignment_id, now)
        await query.answer()
        await context.bot.send_message(
            user.id, state.translator.get(await _lang(context, user.id), PROBLEM_PROMPT)
        )
    elif press.button is TripButton.BACK:
        await trips.owned_trip(state.repos, user.id, press.assignment_id)
        await trips.return_to_china(state.repos, user.id, now=now, telegram_at=None)
        await answer(update, context, BACK_IN_CHINA)
        refreshed = await trips.load_trip(state.repos, press.assignment_id)
        if refreshed is not None:
            await refresh_trip_messages(context.bot, state, refreshed)
    elif press.button is TripButton.QR_FILE:
        trip = await trips.owned_trip(state.repos, user.id, press.assignment_id)
        await query.answer()
        a = trip.assignment
        png = await state.clearance.image(a.clearance_code, trip.vehicle.vin, a.service_date)
        await context.bot.send_document(
            user.id, document=InputFile(png, filename=f"QR-{trip.vehicle.vin}.png")
        )


async def _lang(context: FerrymanContext, telegram_id: int) -> str:
    driver = await context.state.repos.drivers.by_telegram_id(telegram_id)
    return driver.language if driver else context.state.settings.company.default_language
