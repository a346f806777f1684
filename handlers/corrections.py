"""Admin corrections of a trip: /correct (a mistaken border crossing), /returned (the car of a
cancelled trip is back at the yard). Both go through ``bot.services.corrections``."""

from __future__ import annotations

from telegram import Bot, Update
from telegram.ext import CommandHandler

from bot.clearance.messages import STATUS_NAMES
from bot.domain.lifecycle import Action, Status
from bot.i18n import N_
from bot.notify import refresh_trip_messages
from bot.outbox import Method, Outgoing, Priority
from bot.roles import is_admin
from bot.services.corrections import AdminChange, apply_admin_action
from bot.services.errors import Refusal, ServiceRefused
from bot.state import AppState, FerrymanApp, FerrymanContext
from handlers.common import answer, log, refuse, user_language
from handlers.registry import NEW, PRIVATE, add

USAGE = {
    Action.CORRECT_CROSSING: N_(
        "Usage: /correct NUMBER [reason] – undo a border crossing pressed by mistake."
    ),
    Action.RETURN_TO_YARD: N_(
        "Usage: /returned NUMBER – the car of a cancelled trip is back at the yard."
    ),
}
NOT_NOW = N_("Not possible: assignment #{number} is {status}.")
DONE = {
    Status.PICKED_UP: N_(
        "Assignment #{number} ({vin}): the border crossing is withdrawn and does not count; "
        "status: picked up. The driver has been told."
    ),
    Status.RETURNING: N_(
        "Assignment #{number} ({vin}) is cancelled, but the driver has the car: the trip stays "
        "open until the car is back at {place}. Then send /returned {number}."
    ),
    Status.CANCELLED: N_("Assignment #{number} ({vin}): the car is back at {place}. Trip closed."),
}
TO_DRIVER = {
    Status.PICKED_UP: N_(
        "Your dispatcher corrected assignment #{number}: the border crossing was recorded by "
        "mistake and does not count toward your visa-free days. Press 🛂 Crossed the border "
        "when you really cross."
    ),
    Status.RETURNING: N_(
        "Assignment #{number} is cancelled. Please bring the car back to {place}; the trip "
        "stays open until the yard has it."
    ),
    Status.CANCELLED: N_("The car of assignment #{number} is back at {place}. Thank you!"),
}


def register(app: FerrymanApp) -> None:
    add(app, CommandHandler("correct", on_correct, filters=PRIVATE & NEW))
    add(app, CommandHandler("returned", on_returned, filters=PRIVATE & NEW))


async def on_correct(update: Update, context: FerrymanContext) -> None:
    await _admin_step(update, context, Action.CORRECT_CROSSING, "/correct")


async def on_returned(update: Update, context: FerrymanContext) -> None:
    await _admin_step(update, context, Action.RETURN_TO_YARD, "/returned")


async def _admin_step(
    update: Update, context: FerrymanContext, action: Action, command: str
) -> None:
    user, state = update.effective_user, context.state
    if user is None:
        return
    if not await is_admin(state, user.id):
        await refuse(update, context, Refusal.NOT_ADMIN, command)
        return
    args = context.args or []
    if not args or not args[0].isascii() or not args[0].isdigit() or len(args[0]) > 12:
        await answer(update, context, USAGE[action])
        return
    number = int(args[0])
    reason = " ".join(args[1:])[:500]
    try:
        # The driver's message is an outbox row written with the change: both or neither.
        async with state.repos.db.transaction():
            change = await apply_admin_action(
                state.repos, user.id, number, action, now=state.clock.now(), reason=reason
            )
            await state.repos.outbox.add(*driver_notice(state, change))
    except ServiceRefused as refusal:
        if refusal.reason is not Refusal.ILLEGAL_STEP:
            await refuse(update, context, refusal.reason, command)
            return
        current = await state.repos.assignments.get(number)
        status = current.status if current is not None else Status.CANCELLED
        language = await user_language(state, user)
        await answer(
            update,
            context,
            NOT_NOW,
            number=number,
            status=state.translator.get(language, STATUS_NAMES[status]),
        )
        return
    state.outbox.wake()
    log.info("admin %s: %s on assignment %s", user.id, action.value, number)
    await tell_driver(context.bot, state, change)
    trip = change.trip
    await answer(
        update,
        context,
        DONE[trip.assignment.status],
        number=number,
        vin=trip.vehicle.vin,
        place=trip.pickup.name_in(await user_language(state, user)),
    )


async def tell_driver(bot: Bot, state: AppState, change: AdminChange) -> None:
    """The driver's assignment messages show the new status and only the buttons it allows.

    ``/cancel`` calls this too, after committing ``apply_admin_action(..., Action.CANCEL)``
    together with ``driver_notice(state, change)``.
    """
    await refresh_trip_messages(bot, state, change.trip)


def driver_notice(state: AppState, change: AdminChange) -> list[Outgoing]:
    """What the driver is told about an admin's change (none for a cancel before pickup,
    which ``/cancel`` words itself); add it to the outbox inside the change's transaction."""
    trip = change.trip
    status = trip.assignment.status
    text = TO_DRIVER.get(status)
    if status is Status.CANCELLED and change.before is not Status.RETURNING:
        text = None
    driver = trip.driver
    if text is None or driver is None or driver.telegram_id is None:
        return []
    number = trip.assignment.id
    message = state.translator.get(
        driver.language, text, number=number, place=trip.pickup.name_in(driver.language)
    )
    return [
        Outgoing(
            chat_id=driver.telegram_id,
            method=Method.SEND_MESSAGE,
            payload={"text": message},
            # One notice per change: the version the change produced names it.
            key=f"trip.{status.value}:{number}:{trip.assignment.version}",
            priority=Priority.ALERT,
            purpose=f"trip.{status.value}",
            assignment_id=number,
            driver_id=driver.id,
        )
    ]
