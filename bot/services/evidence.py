"""Evidence where it is needed: a delivery flagged outside the lot is shown to the admins with
its proof photos (one album) and the place it was recorded (a pin naming the distance).

Built as outbox rows, in each admin's language, to be added in the delivery's transaction.
"""

from __future__ import annotations

from bot.domain.models import ProofKind
from bot.i18n import N_
from bot.outbox import Method, Outgoing, Priority
from bot.roles import admin_languages
from bot.services.trips import Trip
from bot.state import AppState
from bot.telegram_limits import fit_caption
from bot.timefmt import format_number

ALBUM_CAPTION = N_("Assignment #{number} ({vin}): the delivery photos from {driver}.")
PIN_TITLE = N_("📍 Assignment #{number}: delivered here")
PIN_ADDRESS = N_("{distance} m from {place} (allowed {radius} m)")
# Telegram takes 2-10 photos in an album; one photo goes alone.
ALBUM_LIMIT = 10


async def flagged_evidence(
    state: AppState,
    trip: Trip,
    *,
    latitude: float,
    longitude: float,
    distance_m: float,
    radius_m: float,
    key: str,
) -> list[Outgoing]:
    """For every admin: the proof photos as one album, then the delivery location as a pin."""
    number = trip.assignment.id
    photos = [
        p.file_id
        for p in await state.repos.proofs.for_assignment(number)
        if p.kind is ProofKind.PHOTO and p.file_id
    ][:ALBUM_LIMIT]
    driver = trip.driver.name if trip.driver else "?"
    messages: list[Outgoing] = []
    for admin_id, language in (await admin_languages(state)).items():
        tr = state.translator
        caption = fit_caption(
            tr.get(language, ALBUM_CAPTION, number=number, vin=trip.vehicle.vin, driver=driver)
        )
        if len(photos) > 1:
            messages.append(
                Outgoing(
                    chat_id=admin_id,
                    method=Method.SEND_MEDIA_GROUP,
                    payload={
                        "media": [
                            {
                                "type": "photo",
                                "media": file_id,
                                **({"caption": caption} if i == 0 else {}),
                            }
                            for i, file_id in enumerate(photos)
                        ]
                    },
                    key=f"{key}.album:{admin_id}",
                    priority=Priority.URGENT,
                    purpose="alert.flagged.album",
                    assignment_id=number,
                )
            )
        elif photos:
            messages.append(
                Outgoing(
                    chat_id=admin_id,
                    method=Method.SEND_PHOTO,
                    payload={"photo": photos[0], "caption": caption},
                    key=f"{key}.album:{admin_id}",
                    priority=Priority.URGENT,
                    purpose="alert.flagged.album",
                    assignment_id=number,
                )
            )
        messages.append(
            Outgoing(
                chat_id=admin_id,
                method=Method.SEND_VENUE,
                payload={
                    "latitude": latitude,
                    "longitude": longitude,
                    "title": tr.get(language, PIN_TITLE, number=number),
                    "address": tr.get(
                        language,
                        PIN_ADDRESS,
                        distance=format_number(distance_m, language),
                        place=trip.destination.name_in(language),
                        radius=format_number(radius_m, language),
                    ),
                },
                key=f"{key}.pin:{admin_id}",
                priority=Priority.URGENT,
                purpose="alert.flagged.pin",
                assignment_id=number,
            )
        )
    return messages
