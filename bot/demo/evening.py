"""The evening before: the scheduler's dispatch (one driver held back by the visa-free
rule), accepts, a decline reassigned with the alert's button, reminders and an escalation for
drivers who do not answer, then the night and the morning re-send."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta

from bot.demo.cast import (
    DECLINES,
    DRIVERS,
    OVER_VISA,
    SLEEPS,
    SPARE,
    one,
    playing,
    receiver_of,
)
from bot.demo.day import Car, Day
from bot.domain.events import EventKind
from bot.domain.visa import KAZAKHSTAN_TZ
from handlers.admin_changes import REASSIGN_BUTTON

# Three stays of 30 days in the half-year before the service day: 90 days in 180, the limit,
# so one more day in Kazakhstan is not allowed (days before the service day, first and last).
EARLIER_STAYS = ((175, 146), (125, 96), (65, 36))


async def border_history(day: Day) -> None:
    """Sergei's crossings with his previous employer reach Ferryman's border log.

    Written the way the bot records a driver's "crossed" and "back in China" presses (the
    append-only events table), since a driver's earlier days count whoever he drove for.
    """
    driver = one(OVER_VISA)
    day.transcript.heading("Border records from a driver's earlier employer")
    user = day.user_of(driver)
    record = await day.state.repos.drivers.by_telegram_id(user.id)
    assert record is not None
    service_date = day.service_day.date()
    for first, last in EARLIER_STAYS:
        for kind, days_before, hour in (
            (EventKind.BORDER_CROSSED, first, 10),
            (EventKind.BORDER_RETURNED, last, 19),
        ):
            moment = datetime.combine(
                service_date - timedelta(days=days_before), time(hour), KAZAKHSTAN_TZ
            )
            await day.state.repos.events.append(
                kind, recorded_at=moment, telegram_at=moment, driver_id=record.id
            )
    day.transcript.note(
        f"{driver.name}'s border crossings of the last half-year (three stays of 30 days, "
        "with his previous employer) are entered into the border log: 90 days in 180"
    )


async def evening_dispatch(day: Day) -> None:
    """19:00: the scheduler sends tomorrow's trips; the drivers answer."""
    admin = day.admin
    assert admin is not None
    since = {name: day.mark(user) for name, user in day.drivers.items()}
    await day.until(day.at(19, 0, day=-1), "The evening dispatch (the scheduler, 19:00)")
    for driver in DRIVERS:
        if driver.part in (OVER_VISA, SPARE):
            continue
        user = day.user_of(driver)
        message = await day.reply(user, since[driver.name], lambda m: bool(m.photo))
        receiver = receiver_of(driver.destination, DRIVERS.index(driver))
        day.cars[driver.vin] = Car(driver.vin, driver.destination, driver, user, message, receiver)
        await asyncio.to_thread(
            (day.out / "qr" / f"{driver.vin}.png").write_bytes, message.file_bytes()
        )

    await day.until(day.at(19, 10, day=-1), "Drivers accept; the map pins follow")
    answering = [car for car in day.cars.values() if car.driver.part not in (SLEEPS, DECLINES)]
    await asyncio.gather(*(_accept(day, car) for car in answering))

    await day.until(day.at(19, 15, day=-1), "A decline, reassigned from the alert")
    await _decline_and_reassign(day)
    await day.until(
        day.at(19, 25, day=-1), "Two drivers have not answered: a reminder, then the admins"
    )
    await day.until(day.at(21, 0, day=-1))


async def _accept(day: Day, car: Car) -> None:
    since = day.mark(car.user)
    await day.press(car.user, car.message, 0)  # ✅ Accept
    await day.replies(car.user, since, 2)  # the yard and the lot as map pins


async def _decline_and_reassign(day: Day) -> None:
    admin = day.admin
    assert admin is not None
    car = day.car_of(one(DECLINES))
    since = day.mark(admin)
    await day.press(car.user, car.message, 1)  # ❌ Decline
    alert = await day.reply(admin, since, lambda m: bool(m.buttons))
    since = day.mark(admin)
    await day.press(admin, alert, day.t("ru", REASSIGN_BUTTON))
    spare = one(SPARE)
    choose = await day.reply(admin, since, lambda m: bool(m.buttons))
    label = next(label for label in choose.buttons if spare.name in label)
    user = day.user_of(spare)
    got, since = day.mark(user), day.mark(admin)
    await day.press(admin, choose, label)
    message = await day.reply(user, got, lambda m: bool(m.photo))
    # The admin's confirmation is a direct answer, not an outbox message: wait for it before
    # the clock moves on, or the transcript would show it at the next step's time.
    await day.reply(admin, since, lambda m: (m.text or "").startswith("✅"))
    day.cars[car.vin] = Car(car.vin, car.destination, spare, user, message, car.receiver)
    await day.until(day.at(19, 20, day=-1))
    await _accept(day, day.cars[car.vin])


async def morning_resend(day: Day) -> None:
    """06:00: the scheduler sends today's trips again to whoever has not accepted."""
    sleepers = [day.car_of(driver) for driver in playing(SLEEPS)]
    since = {car.vin: day.mark(car.user) for car in sleepers}
    await day.until(day.at(6, 0), "Morning: the trips again for who has not accepted")
    for car in sleepers:
        car.message = await day.reply(car.user, since[car.vin], lambda m: bool(m.photo))
    await day.until(day.at(6, 20))
    await asyncio.gather(*(_accept(day, car) for car in sleepers))
