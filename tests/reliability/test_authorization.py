"""Every command and every kind of button, tried by each kind of person: allowed or refused as
the README's role table says ("Who may do what"), and nothing of another driver's shown.

The commands and the button kinds (callback data prefixes) come from the handlers the bot
registers, so a new one without a row in the table fails here."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.outbox.budget import BudgetRateLimiter
from bot.state import FerrymanApp
from botapi_emulator import ChatMessage, EmulatedUser, Emulator
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.admin_helpers import add_driver
from tests.e2e.helpers import assign, dispatch, state_of

README = Path(__file__).resolve().parents[2] / "README.md"
ROLES = ("stranger", "driver", "checkpoint", "admin", "owner")
CHECKPOINT_ID = 900_000_077
ADMIN_ID = 900_000_088
PAN_VIN = "LGXCE4CB7R0000001"
# What a refusal says, whoever is refused (people here read English).
REFUSED = (
    "This command is for company admins.",
    "Only the company's owners can change who is staff.",
    "Only company admins and checkpoint staff can verify clearance codes.",
    "You are not registered yet",
    "This button is not for you.",
)


def role_table() -> dict[str, dict[str, bool]]:
    """The README's "Who may do what" table: what → role → allowed."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Who may do what", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]  # no header
    table: dict[str, dict[str, bool]] = {}
    for line in rows:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        what = cells[0].strip("`")
        table[what] = {role: cell == "✅" for role, cell in zip(ROLES, cells[1:], strict=True)}
    return table


TABLE = role_table()


def _button_kind(what: str) -> str | None:
    """The callback data prefix a row names, as in "(`bd:`)"."""
    found = re.search(r"\(`(\w+):`\)", what)
    return found.group(1) if found else None


def test_the_readme_table_covers_every_kind_of_button(ferryman: FerrymanApp) -> None:
    from telegram.ext import CallbackQueryHandler

    kinds = set()
    for handlers in ferryman.handlers.values():
        for handler in handlers:
            if isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
                pattern = getattr(handler.pattern, "pattern", handler.pattern)
                found = re.match(r"\^(\w+):", str(pattern))
                assert found, f"a button pattern without a prefix: {pattern!r}"
                kinds.add(found.group(1))
    listed = {kind for what in TABLE if (kind := _button_kind(what))}
    assert kinds == listed, (kinds - listed, listed - kinds)
    assert set(SAMPLES) | {"trip"} == kinds, "a sample press for every kind of button"


def test_the_readme_table_covers_every_command_the_bot_has(ferryman: FerrymanApp) -> None:
    from telegram.ext import CommandHandler

    commands = {
        f"/{command}"
        for handlers in ferryman.handlers.values()
        for handler in handlers
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }
    listed = {what.split()[0] for what in TABLE}
    assert commands <= listed, commands - listed


async def _people(
    emulator: Emulator, start_ferryman: StartFerryman
) -> tuple[FerrymanApp, dict[str, EmulatedUser], ChatMessage]:
    owner = emulator.user("Li Wei", lang="en", started=True)
    people = {
        "owner": owner,
        "admin": emulator.user("Admin Person", lang="en", started=True, user_id=ADMIN_ID),
        "checkpoint": emulator.user(
            "Gate Officer", lang="en", started=True, user_id=CHECKPOINT_ID
        ),
        "driver": emulator.user("Pan Guangde", lang="en", started=True),
        "other": emulator.user("Ivan Petrov", lang="en", started=True),
        "stranger": emulator.user("Some One", lang="en", started=True),
    }
    app = await start_ferryman(
        owners=(owner.id,), extra={"clearance": {"checkpoint_users": [CHECKPOINT_ID]}}
    )
    state = state_of(app)
    # Pacing is not under test: at one message a second per chat the answers would trail.
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, BudgetRateLimiter)
    limiter.budget.chat_rate = limiter.budget.chat_burst = 1000.0
    await state.repos.admins.add(ADMIN_ID, owner.id, FIXED_NOW, "Admin Person")
    pan = await add_driver(app, people["driver"], "Pan Guangde", "+8613800000001", language="en")
    await add_driver(app, people["other"], "Ivan Petrov", "+77010000002", language="en")
    trip = await assign(app, pan, vin=PAN_VIN, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    await dispatch(app, trip)
    message = await people["driver"].next_message()
    return app, people, message


async def _answer(person: EmulatedUser, text: str) -> str:
    """The first thing the bot says back, once it has said all it will."""
    before = len(person.messages)
    await person.send(text)
    # A ceiling, not a pace: /export, /qrsheet and /board draw files first, in worker processes
    # that a loaded 2-core machine may take many seconds to start.
    try:
        await person.next_message(60.0)
    except TimeoutError as silence:
        raise AssertionError(f"{person.user.full_name}: no answer to {text!r}") from silence
    count = -1
    while count != len(person.messages):  # settle: some commands answer in several messages
        count = len(person.messages)
        await asyncio.sleep(0.15)
    person.inbox.skip_all()
    reply = person.messages[before]
    return reply.text or reply.caption or ""


@pytest.mark.timeout(300)
async def test_every_command_by_every_role(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    _, people, _ = await _people(emulator, start_ferryman)
    wrong: list[str] = []
    for what, allowed in TABLE.items():
        if not what.startswith("/"):
            continue
        for role in (*ROLES, "other"):
            person = people[role]
            before = len(person.messages)
            reply = await _answer(person, what)
            refused = any(r in reply for r in REFUSED)
            if refused == allowed["driver" if role == "other" else role]:
                wrong.append(f"{what} by {role}: {reply[:80]!r}")
            # Pan's trip and passport are the staff's and Pan's own business only.
            if role in ("stranger", "other", "checkpoint"):
                seen = " ".join(m.content for m in person.messages[before:])
                if any(mark in seen for mark in (PAN_VIN, "Pan Guangde", "E12345678")):
                    wrong.append(f"{what} by {role} shows Pan's: {seen[:120]!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.timeout(120)
async def test_trip_buttons_by_every_role(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    _, people, trip = await _people(emulator, start_ferryman)
    data = trip.inline_keyboard[0][0]["callback_data"]
    assert data.endswith(":acc")
    wrong: list[str] = []
    for role in ("other", "stranger", "checkpoint", "admin", "owner", "driver"):
        person = people[role]
        if role == "driver":
            target = trip
        else:  # the same button data, pressed on a message in their own chat (crafted)
            await _answer(person, "/help")
            target = person.messages[-1]
        query = emulator.world.press(emulator.bot, person.user, target.stored, data)
        for _ in range(2000):
            if query.answer is not None:
                break
            await asyncio.sleep(0.01)
        answer = str((query.answer or {}).get("text") or "")
        allowed = role == "driver"
        row = (
            "a button under an assignment, own trip (`trip:`)"
            if allowed
            else "a button under another driver's assignment (`trip:`)"
        )
        expected = TABLE[row]["driver" if role == "other" else role]
        refused = not answer.startswith("Accepted")
        if refused == expected or (refused and "VIN" in answer):
            wrong.append(f"{role}: {answer!r}")
    assert not wrong, wrong


#: One harmless press of each kind of button other than the trip's (tested above): an allowed
#: person gets its answer, a refused one the refusal.
SAMPLES = {
    "lang": "lang:en",
    "prob": "prob:cancel",
    "rcv": "rcv:ok:not-a-real-link",
    "mf": "mf:no",
    "bd": f"bd:{FIXED_NOW.date().isoformat()}",
    "ra": "ra:{trip}",
    "staff": "staff:link:admin",
}


@pytest.mark.timeout(200)
async def test_every_kind_of_button_by_every_role(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    _, people, trip = await _people(emulator, start_ferryman)
    number = trip.inline_keyboard[0][0]["callback_data"].split(":")[1]
    rows = {_button_kind(what): allowed for what, allowed in TABLE.items()}
    wrong: list[str] = []
    for role in ROLES:
        person = people[role]
        await _answer(person, "/help")
        for kind, data in SAMPLES.items():
            # Crafted: pressed on a message of the bot's in the person's own chat.
            query = emulator.world.press(
                emulator.bot, person.user, person.messages[-1].stored, data.format(trip=number)
            )
            for _ in range(2000):
                if query.answer is not None:
                    break
                await asyncio.sleep(0.01)
            answer = str((query.answer or {}).get("text") or "")
            assert query.answer is not None, f"{kind} by {role}: no answer"
            refused = any(r in answer for r in REFUSED)
            if refused == rows[kind][role]:
                wrong.append(f"{kind} by {role}: {answer!r}")
            await asyncio.sleep(0.1)  # what an allowed press sends, before the next one
            person.inbox.skip_all()
    assert not wrong, "\n".join(wrong)
