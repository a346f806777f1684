"""Photos, image files and locations from drivers: delivery proof or a problem report."""

from __future__ import annotations

from functools import partial
from typing import Any

from telegram import Location, Message, ReplyKeyboardRemove, Update, User
from telegram.ext import MessageHandler, filters

from bot.domain.pending import InputKind
from bot.i18n import N_, PerReader
from bot.notify import admin_alert, refresh_trip_messages
from bot.outbox import Priority
from bot.services import proof
from bot.services.errors import Refusal, ServiceRefused
from bot.services.evidence import flagged_evidence
from bot.services.photo_checks import PhotoReused
from bot.state import FerrymanApp, FerrymanContext
from bot.telegram_limits import DOWNLOAD_LIMIT_BYTES
from bot.timefmt import format_number
from handlers.common import refusals_answered, refuse, telegram_time, user_language
from handlers.handover import send_handover
from handlers.proof_prompts import ask_for_next_proof, item_name
from handlers.registry import NEW, PRIVATE, add
from handlers.router import add_dialog

DELIVERED = N_("✅ Delivered: assignment #{number}, {distance} m from the lot. Thank you!")
DELIVERED_FLAGGED = N_(
    "✅ Delivered: assignment #{number}. Your location is {distance} m from the lot, so the "
    "dispatcher will check it."
)
ADMIN_FLAGGED = N_(
    "⚠️ Assignment #{number} ({vin}) was delivered by {driver} {distance} m from {place} "
    "(allowed {radius} m). Please check."
)
ALL_PHOTOS_DONE = N_("All photos are in. Now share your location with the button.")
PHOTO_REUSED = N_(
    "This photo is already on record as “{item}” of assignment #{number}. A photo counts "
    "once: take a new one now."
)
ADMIN_OTHER_VIN = N_(
    "⚠️ Assignment #{number} ({vin}): the barcode on the VIN plate photographed by {driver} "
    "at delivery reads {read}, another car. The delivery was recorded; please check."
)
ADMIN_NEAR_COPY = N_(
    "⚠️ Assignment #{number} ({vin}): {driver}'s photo of “{item}” looks like the photo of "
    "“{earlier_item}” for assignment #{earlier}. It was accepted; please check."
)


def _is_forwarded(message: Message) -> bool:
    return message.forward_origin is not None


def _is_live(location: Location) -> bool:
    # Read from the payload: PTB 22 warns on the attribute while it moves to timedelta.
    return location.to_dict().get("live_period") is not None


@refusals_answered("photo")
async def on_photo(update: Update, context: FerrymanContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if message.photo:
        largest = message.photo[-1]
        file_id, unique_id, size = largest.file_id, largest.file_unique_id, largest.file_size
    elif message.document is not None:
        doc = message.document
        if not (doc.mime_type or "").startswith("image/"):
            raise ServiceRefused(Refusal.NOT_AN_IMAGE)
        file_id, unique_id, size = doc.file_id, doc.file_unique_id, doc.file_size
    else:
        return
    await _photo(update, context, message, user, file_id, unique_id, size)


async def _photo(
    update: Update,
    context: FerrymanContext,
    message: Message,
    user: User,
    file_id: str,
    unique_id: str,
    size: int | None,
) -> None:
    state = context.state
    now = state.clock.now()
    # A problem report waiting for its photo never gets here: the router gives it the photo.
    await proof.expected_proof(state.repos, state.settings.delivery, user.id)
    if _is_forwarded(message):
        raise ServiceRefused(Refusal.FORWARDED)
    if size is not None and size > DOWNLOAD_LIMIT_BYTES:
        raise ServiceRefused(Refusal.FILE_TOO_LARGE)
    telegram_file = await context.bot.get_file(file_id)
    data = bytes(await telegram_file.download_as_bytearray())
    language = await user_language(state, user)
    tr = state.translator
    try:
        added = await proof.add_photo(
            state.repos,
            state.settings.delivery,
            state.settings.storage.media_dir,
            user.id,
            data=data,
            file_id=file_id,
            file_unique_id=unique_id,
            forwarded=False,
            telegram_at=telegram_time(message, now),
            now=now,
            on_flagged=lambda added: alert_flagged_photo(context, added),
        )
    except PhotoReused as reused:
        item = item_name(reused.item, tr, language)
        await message.reply_text(
            tr.get(language, PHOTO_REUSED, item=item, number=reused.assignment_id)
        )
        return
    if not added.item:
        await message.reply_text(tr.get(language, ALL_PHOTOS_DONE))
    if added.near_copy is not None or added.other_vin is not None:
        state.outbox.wake()
    await ask_for_next_proof(context, user, added.step)


async def alert_flagged_photo(context: FerrymanContext, added: proof.PhotoAdded) -> None:
    """Told like a delivery outside the geofence: accepted, for a person to look at."""
    state, similar, trip = context.state, added.near_copy, added.step.trip
    tr = state.translator
    values: dict[str, Any] = {
        "number": trip.assignment.id,
        "vin": trip.vehicle.vin,
        "driver": trip.driver.name if trip.driver else "?",
        # Item names in each admin's language, not the company's.
        "item": PerReader(partial(item_name, added.item, tr)),
    }
    alerts = []
    if similar is not None:
        alerts += await admin_alert(
            state,
            ADMIN_NEAR_COPY,
            key=f"alert.near_copy:{trip.assignment.id}:{added.stage}:{added.item}",
            priority=Priority.URGENT,
            purpose="alert.near_copy",
            assignment_id=trip.assignment.id,
            earlier_item=PerReader(partial(item_name, similar.item, tr)),
            earlier=similar.assignment_id,
            **values,
        )
    if added.other_vin is not None:
        alerts += await admin_alert(
            state,
            ADMIN_OTHER_VIN,
            key=f"alert.vin_mismatch:{trip.assignment.id}:{added.stage}:{added.item}",
            priority=Priority.URGENT,
            purpose="alert.vin_mismatch",
            assignment_id=trip.assignment.id,
            read=added.other_vin,
            **values,
        )
    await state.repos.outbox.add(*alerts)


@refusals_answered("location")
async def on_location(update: Update, context: FerrymanContext) -> None:
    message, user = update.message, update.effective_user
    if message is None or user is None or message.location is None:
        return
    if message.venue is not None:
        # A venue is a point chosen on a map (or forwarded), never the phone's position.
        raise ServiceRefused(Refusal.PICKED_PLACE)
    state = context.state
    now = state.clock.now()
    location = message.location
    # A flagged delivery's alert commits with the delivery: a failed call cannot lose it.
    async with state.repos.db.transaction():
        delivery = await proof.add_location(
            state.repos,
            state.settings.delivery,
            user.id,
            latitude=location.latitude,
            longitude=location.longitude,
            accuracy_m=location.horizontal_accuracy,
            live=_is_live(location),
            forwarded=_is_forwarded(message),
            telegram_at=telegram_time(message, now),
            now=now,
        )
        trip = delivery.trip
        if delivery.verdict.flagged:
            verdict = delivery.verdict
            await state.repos.outbox.add(
                *await admin_alert(
                    state,
                    ADMIN_FLAGGED,
                    key=f"alert.flagged:{trip.assignment.id}",
                    priority=Priority.URGENT,
                    purpose="alert.flagged",
                    assignment_id=trip.assignment.id,
                    number=trip.assignment.id,
                    vin=trip.vehicle.vin,
                    driver=trip.driver.name if trip.driver else "?",
                    # The lot's name and the numbers as each admin reads them.
                    distance=PerReader(partial(format_number, verdict.distance_m)),
                    place=PerReader(trip.destination.name_in),
                    radius=PerReader(partial(format_number, verdict.radius_m)),
                ),
                # Then what to look at: the proof photos as one album, and the pin.
                *await flagged_evidence(
                    state,
                    trip,
                    latitude=location.latitude,
                    longitude=location.longitude,
                    distance_m=delivery.verdict.distance_m,
                    radius_m=delivery.verdict.radius_m,
                    key=f"alert.flagged:{trip.assignment.id}",
                ),
            )
    state.outbox.wake()
    language = await user_language(state, user)
    distance = format_number(delivery.verdict.distance_m, language)
    text = DELIVERED_FLAGGED if delivery.verdict.flagged else DELIVERED
    await refresh_trip_messages(context.bot, state, trip)
    await message.reply_text(
        state.translator.get(language, text, number=trip.assignment.id, distance=distance),
        reply_markup=ReplyKeyboardRemove(),
    )
    # The receiver signs the delivery off too: the proof is not one-sided.
    await send_handover(context, user.id, trip, language)


async def on_live_location_update(update: Update, context: FerrymanContext) -> None:
    """Live locations move as edited messages; record them quietly while tracked."""
    message, user = update.edited_message, update.effective_user
    if message is None or user is None or message.location is None:
        return
    state = context.state
    now = state.clock.now()
    await proof.track_live_location(
        state.repos,
        user.id,
        latitude=message.location.latitude,
        longitude=message.location.longitude,
        accuracy_m=message.location.horizontal_accuracy,
        telegram_at=telegram_time(message, now),
        now=now,
    )


@refusals_answered("text")
async def on_text_mid_delivery(update: Update, context: FerrymanContext) -> None:
    """Text mid-delivery: the most useful answer is what the checklist still needs."""
    user = update.effective_user
    if user is None:
        return
    state = context.state
    step = await proof.expected_proof(state.repos, state.settings.delivery, user.id)
    await ask_for_next_proof(context, user, step)


def _is_image(message: Message) -> bool:
    return bool(message.photo) or (
        message.document is not None and (message.document.mime_type or "").startswith("image/")
    )


async def on_proof_input(update: Update, context: FerrymanContext) -> bool:
    """The delivery dialog: checklist photos, then the location; text gets the next step."""
    message = update.effective_message
    if message is None:
        return False
    if _is_image(message):
        await on_photo(update, context)
    elif message.location is not None:
        await on_location(update, context)
    elif message.text is not None:
        await on_text_mid_delivery(update, context)
    else:
        return False
    return True


async def on_repeated_proof(update: Update, context: FerrymanContext) -> None:
    """A photo sent twice is filed once. The next step is asked by the handling of the first
    copy (which may still be under way), so a repeat adds no prompt of its own."""
    message = update.effective_message
    if message is not None and _is_image(message):
        await refuse(update, context, Refusal.ALREADY_FILED, "photo")


def register(app: FerrymanApp) -> None:
    add(app, MessageHandler(PRIVATE & NEW & (filters.PHOTO | filters.Document.IMAGE), on_photo))
    add(app, MessageHandler(PRIVATE & NEW & filters.LOCATION, on_location))
    # Live locations move as edited messages; they are never commands or answers.
    add(
        app,
        MessageHandler(
            filters.UpdateType.EDITED_MESSAGE & filters.LOCATION, on_live_location_update
        ),
    )
    add_dialog(app, InputKind.PROOF, on_proof_input, on_repeat=on_repeated_proof)
