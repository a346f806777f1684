"""The pickup checklist at the yard: photos before "Picked up" counts (when switched on)."""

from __future__ import annotations

from telegram import Message, Update, User

from bot.domain.pending import InputKind
from bot.i18n import N_
from bot.notify import refresh_trip_messages
from bot.services import pickup
from bot.services.errors import ServiceRefused
from bot.services.photo_checks import PhotoReused, VinMismatch
from bot.services.proof import ProofStep
from bot.state import FerrymanApp, FerrymanContext
from bot.telegram_limits import DOWNLOAD_LIMIT_BYTES
from handlers.common import refuse, telegram_time, user_language
from handlers.proof import PHOTO_REUSED
from handlers.proof_prompts import CHECKLIST_LABELS, item_name
from handlers.router import add_dialog

PICKUP_PROMPT = N_("Before you drive off, photo {number} of {total}: send a photo of {item}.")
NOT_THIS_CAR = N_(
    "This is not the car of assignment #{number}: the VIN plate reads {read}, the assignment "
    "is for {vin}. Check the car, then photograph its VIN plate."
)
PICKED_UP = N_("Car picked up. Drive safely!")


async def ask_for_pickup_photo(context: FerrymanContext, user: User, step: ProofStep) -> None:
    state = context.state
    tr = state.translator
    language = await user_language(state, user)
    item = step.next_item or ""
    label = CHECKLIST_LABELS.get(item)
    text = tr.get(
        language,
        PICKUP_PROMPT,
        number=step.photos_done + 1,
        total=step.photos_total,
        item=tr.get(language, label) if label else item.replace("_", " "),
    )
    await context.bot.send_message(user.id, text)


async def on_pickup_input(update: Update, context: FerrymanContext) -> bool:
    """The pickup dialog: each photo fills the next item; anything else repeats the question."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return False
    try:
        await _pickup_input(update, context, message, user)
    except ServiceRefused as refusal:
        await refuse(update, context, refusal.reason, "pickup photo")
    return True


async def _pickup_input(
    update: Update, context: FerrymanContext, message: Message, user: User
) -> None:
    state = context.state
    settings = state.settings.pickup
    if not message.photo or message.forward_origin is not None:
        step = await pickup.expected_pickup_photo(state.repos, settings, user.id)
        await ask_for_pickup_photo(context, user, step)
        return
    largest = message.photo[-1]
    if (largest.file_size or 0) > DOWNLOAD_LIMIT_BYTES:
        step = await pickup.expected_pickup_photo(state.repos, settings, user.id)
        await ask_for_pickup_photo(context, user, step)
        return
    data = bytes(await (await context.bot.get_file(largest.file_id)).download_as_bytearray())
    now = state.clock.now()
    language = await user_language(state, user)
    tr = state.translator
    try:
        added, picked = await pickup.add_pickup_photo(
            state.repos,
            settings,
            state.settings.storage.media_dir,
            user.id,
            data=data,
            file_id=largest.file_id,
            file_unique_id=largest.file_unique_id,
            telegram_at=telegram_time(message, now),
            now=now,
        )
    except VinMismatch as mismatch:
        trip_step = await pickup.expected_pickup_photo(state.repos, settings, user.id)
        await message.reply_text(
            tr.get(
                language,
                NOT_THIS_CAR,
                number=mismatch.assignment_id,
                read=mismatch.read,
                vin=trip_step.trip.vehicle.vin,
            )
        )
        return
    except PhotoReused as reused:
        item = item_name(reused.item, tr, language)
        await message.reply_text(
            tr.get(language, PHOTO_REUSED, item=item, number=reused.assignment_id)
        )
        return
    if picked is None:
        await ask_for_pickup_photo(context, user, added.step)
        return
    await refresh_trip_messages(context.bot, state, picked)
    await message.reply_text(tr.get(language, PICKED_UP))


def register(app: FerrymanApp) -> None:
    add_dialog(app, InputKind.PICKUP, on_pickup_input)
