"""The afternoon before: the owner staffs the office, the dispatcher invites twenty drivers,
who register in their languages, and sends tomorrow's manifest (refused, fixed, imported)."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Callable
from datetime import timedelta

from bot.demo.cast import (
    ADMIN_NAME,
    DRIVERS,
    GUARD_NAME,
    GUARD_PHONE,
    SPARE,
    DemoDriver,
    receiver_of,
)
from bot.demo.day import Day
from bot.demo.steps import LANGUAGE_BUTTONS, SHARE_PHONE
from bot.services.manifest import COLUMNS
from botapi_emulator import ChatMessage, EmulatedUser
from handlers.staff import ADD_ADMIN_LINK, ADD_CHECKPOINT_CONTACT

PASSPORT_EXPIRY = "2030-05-31"


async def staff_the_office(day: Day) -> None:
    """The owner adds the dispatcher (a one-time link) and the gate officer (his contact)."""
    owner, zh = day.owner, "zh"
    day.transcript.heading("The owner adds a dispatcher and a checkpoint officer")
    since = day.mark(owner)
    await day.say(owner, "/admins")
    listing = await day.reply(owner, since)
    since = day.mark(owner)
    await day.press(owner, listing, day.t(zh, ADD_ADMIN_LINK))
    link = await day.reply(owner, since, "start=staff_")
    match = re.search(r"\?start=(staff_[A-Za-z0-9_-]+)", link.content)
    if match is None:
        raise AssertionError(f"no staff link in {link.content!r}")
    admin = day.emulator.user(ADMIN_NAME, lang="ru", username="dana_dispatch")
    day.transcript.watch(admin)
    day.transcript.note(f"{owner.name} sends the link to {admin.name}, who opens it")
    since = day.mark(owner)
    await day.say(admin, f"/start {match.group(1)}", "opens the link (Start)")
    await day.reply(admin, 0)
    await day.reply(owner, since, admin.name)
    day.admin = admin

    guard = day.emulator.user(GUARD_NAME, lang="ru", phone=GUARD_PHONE, started=True)
    day.transcript.watch(guard)
    since = day.mark(owner)
    await day.press(owner, listing, day.t(zh, ADD_CHECKPOINT_CONTACT))
    await day.reply(owner, since)
    since = day.mark(owner)
    day.transcript.action(owner, f"shares {guard.name}'s contact from the phone book")
    await owner.share_contact(guard)
    await day.reply(owner, since, guard.name)
    day.guard = guard


async def invite_drivers(day: Day) -> None:
    """The dispatcher invites each driver by name and phone; each registers at once, in the
    language they choose (the invitations go out one after another, the registrations run
    side by side, as twenty phones would)."""
    admin = day.admin
    assert admin is not None
    day.transcript.heading("The dispatcher invites twenty drivers; each registers on the phone")
    registrations: list[asyncio.Task[None]] = []
    for n, driver in enumerate(DRIVERS):
        if n:
            day.clock.advance(timedelta(seconds=30))  # half a minute an invitation
        since = day.mark(admin)
        await day.say(admin, f"/invite {driver.name} {driver.phone}")
        reply = await day.reply(admin, since, "?start=")
        match = re.search(r"\?start=([A-Za-z0-9_-]+)", reply.content)
        if match is None:
            raise AssertionError(f"no invitation link in {reply.content!r}")
        user = day.emulator.user(driver.name, lang=driver.language, phone=driver.phone)
        day.drivers[driver.name] = user
        day.transcript.watch(user)
        registrations.append(asyncio.create_task(_register(day, driver, user, match.group(1))))
    await asyncio.gather(*registrations)
    await day.quiet()  # every "new driver registered" alert has reached the admins


async def _register(day: Day, driver: DemoDriver, user: EmulatedUser, token: str) -> None:
    language = driver.language
    await day.say(user, f"/start {token}", "opens the invitation link (Start)")
    choose = await day.reply(user, 0)
    since = day.mark(user)
    await day.press(user, choose, LANGUAGE_BUTTONS[language])
    prompt = await day.reply(user, since, lambda m: bool(m.keyboard))
    since = day.mark(user)
    await day.press_keyboard(user, prompt, SHARE_PHONE[language], "shares own phone number")
    for answer in (driver.name, driver.passport, PASSPORT_EXPIRY):
        await day.reply(user, since)  # the question
        since = day.mark(user)
        await day.say(user, answer)
    await day.reply(user, since)  # registered


def manifest_rows(day: Day) -> list[list[str]]:
    """Tomorrow's trips: one per driver but the spare, pick-up at 09:00, due at 18:00."""
    date = day.service_day.date().isoformat()
    rows = []
    for n, driver in enumerate(DRIVERS):
        if driver.part == SPARE:
            continue
        receiver, receiver_phone = receiver_of(driver.destination, n)
        values = {
            "date": date,
            "driver_phone": driver.phone,
            "vin": driver.vin,
            "model": driver.model,
            "color": "white",
            "pickup": "horgos-yard",
            "destination": driver.destination,
            "pickup_time": "09:00",
            "deliver_by": f"{date} 18:00",
            "clearance_code": "",
            "receiver_name": receiver,
            "receiver_phone": receiver_phone,
            "notes": "",
        }
        rows.append([values[column] for column in COLUMNS])
    return rows


def as_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _about(name: str) -> Callable[[ChatMessage], bool]:
    """The bot's answer to a file: it names the file, or offers buttons (Import / Cancel)."""
    return lambda message: name in message.content or bool(message.buttons)


def _wrong_check_digit(number: str) -> str:
    return number[:8] + ("1" if number[8] == "0" else "0") + number[9:]


async def import_manifest(day: Day) -> None:
    """A manifest with two bad rows (refused, both named), then the fixed one, imported."""
    admin = day.admin
    assert admin is not None
    day.transcript.heading("Tomorrow's manifest: two bad rows refused and named, then imported")
    good = manifest_rows(day)
    bad = [list(row) for row in good]
    vin_at, phone_at = COLUMNS.index("vin"), COLUMNS.index("driver_phone")
    bad[4][vin_at] = _wrong_check_digit(bad[4][vin_at])  # a VIN typed with a typo
    bad[9][phone_at] = "+77019990000"  # nobody registered has this phone
    for name, rows in (("manifest-with-errors.csv", bad), ("manifest.csv", good)):
        data = as_csv(rows)
        await asyncio.to_thread((day.out / name).write_bytes, data)
        since = day.mark(admin)
        day.transcript.action(admin, f"sends the file `{name}` ({len(rows)} trips)")
        await admin.send_document(data, name, mime_type="text/csv")
        reply = await day.reply(admin, since, _about(name))
        if name == "manifest.csv":
            await day.press(admin, reply, 0)  # Import
            await day.changed(reply)
