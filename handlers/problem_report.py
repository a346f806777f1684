"""A driver's problem report on the road: text, photos, voice notes and locations, several in a
row until "✅ Send"; the staff get them as sent. "📞 Call the dispatcher" sends a contact card."""

from __future__ import annotations

from functools import partial
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.ext import CallbackQueryHandler

from bot.domain.pending import InputKind
from bot.i18n import N_, PerReader, Translator
from bot.notify import admin_alert, group_notice
from bot.outbox import Method, Outgoing, Priority
from bot.roles import admin_languages
from bot.services import problems, proof
from bot.services.errors import ServiceRefused
from bot.services.problems import ItemKind, ProblemItem, ProblemReport
from bot.state import AppState, FerrymanApp, FerrymanContext
from bot.telegram_limits import fit_caption
from handlers.common import refuse, telegram_time, user_language
from handlers.proof_prompts import ask_for_next_proof
from handlers.registry import add
from handlers.router import add_dialog

PROBLEM_PROMPT = N_(
    "What happened? Send text, photos, a voice note or your location, as many as you need, "
    "then press ✅ Send."
)
ADDED = N_("Added ({count}). Send more, or press ✅ Send.")
REPORTED = N_("Thank you. The dispatcher has your report and will contact you.")
CANCELLED = N_("The report is cancelled; nothing was sent.")
SEND = N_("✅ Send")
CANCEL = N_("✖️ Cancel")
CALL = N_("📞 Call the dispatcher")
DISPATCHER = N_("Dispatcher")
STAFF_PROBLEM = N_("⚠️ Problem from {driver} ({phone}){trip}: {text}")
STAFF_ATTACHED = N_("The report goes on with {count} attachments as the driver sent them.")
STAFF_PIECE = N_("⚠️ {driver}, problem report ({number}/{total})")
TRIP_SUFFIX = N_(", assignment #{number} {vin}")

_SEND, _CANCEL, _CALL = "prob:send", "prob:cancel", "prob:call"


def problem_keyboard(state: AppState, language: str) -> InlineKeyboardMarkup:
    tr = state.translator
    rows = [
        [
            InlineKeyboardButton(tr.get(language, SEND), callback_data=_SEND),
            InlineKeyboardButton(tr.get(language, CANCEL), callback_data=_CANCEL),
        ]
    ]
    if state.settings.company.dispatcher_phone:
        rows.append([InlineKeyboardButton(tr.get(language, CALL), callback_data=_CALL)])
    return InlineKeyboardMarkup(rows)


async def ask_for_problem(context: FerrymanContext, user: User) -> None:
    state = context.state
    language = await user_language(state, user)
    await context.bot.send_message(
        user.id,
        state.translator.get(language, PROBLEM_PROMPT),
        reply_markup=problem_keyboard(state, language),
    )


def _item(message: Message) -> ProblemItem | None:
    if message.text is not None:
        return ProblemItem(ItemKind.TEXT, text=message.text)
    if message.photo:
        return ProblemItem(
            ItemKind.PHOTO, text=message.caption or "", file_id=message.photo[-1].file_id
        )
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return ProblemItem(ItemKind.PHOTO, text=message.caption or "", file_id=document.file_id)
    if message.voice is not None:
        return ProblemItem(
            ItemKind.VOICE, text=message.caption or "", file_id=message.voice.file_id
        )
    if message.location is not None and message.venue is None:
        location = message.location
        return ProblemItem(
            ItemKind.LOCATION, latitude=location.latitude, longitude=location.longitude
        )
    return None


async def on_problem_input(update: Update, context: FerrymanContext) -> bool:
    """The problem dialog: every note, photo, voice note or location is kept until Send."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return False
    item = _item(message)
    if item is None:
        return False
    state = context.state
    try:
        count = await problems.add_item(state.repos, user.id, item, state.clock.now())
    except ServiceRefused as refusal:
        await refuse(update, context, refusal.reason, "problem item")
        return True
    language = await user_language(state, user)
    await message.reply_text(
        state.translator.get(language, ADDED, count=count),
        reply_markup=problem_keyboard(state, language),
    )
    return True


def _with_attached(tr: Translator, text: str, count: int, language: str) -> str:
    return text + "\n" + tr.get(language, STAFF_ATTACHED, count=count)


async def _staff_messages(state: AppState, report: ProblemReport, key: str) -> list[Outgoing]:
    """A summary for every admin and the group, then each photo, voice note and location to
    the admins as the driver sent it."""
    tr = state.translator
    trip: str | PerReader = ""
    if report.trip is not None:
        trip = tr.per_reader(
            TRIP_SUFFIX, number=report.trip.assignment.id, vin=report.trip.vehicle.vin
        )
    pieces = [item for item in report.items if item.kind is not ItemKind.TEXT]
    text: str | PerReader = report.text or "—"
    if pieces:
        # The driver's words as written; "n attached" in each reader's language.
        text = PerReader(
            partial(_with_attached, tr, report.text or "—", len(pieces)),
        )
    values: dict[str, Any] = {
        "driver": report.driver.name,
        "phone": report.driver.phone,
        "trip": trip,
        "text": text,
    }
    assignment_id = None if report.trip is None else report.trip.assignment.id
    staff = await admin_alert(
        state,
        STAFF_PROBLEM,
        key=key,
        priority=Priority.URGENT,
        purpose="alert.problem",
        assignment_id=assignment_id,
        **values,
    )
    staff += group_notice(
        state, STAFF_PROBLEM, key=key, priority=Priority.URGENT, purpose="alert.problem", **values
    )
    for admin_id, admin_language in (await admin_languages(state)).items():
        for number, item in enumerate(pieces, start=1):
            caption = tr.get(
                admin_language,
                STAFF_PIECE,
                driver=report.driver.name,
                number=number,
                total=len(pieces),
            )
            if item.text:
                caption += f"\n{item.text}"
            payload: dict[str, Any]
            if item.kind is ItemKind.PHOTO:
                method, payload = Method.SEND_PHOTO, {"photo": item.file_id}
                payload["caption"] = fit_caption(caption)
            elif item.kind is ItemKind.VOICE:
                method, payload = Method.SEND_VOICE, {"voice": item.file_id}
                payload["caption"] = fit_caption(caption)
            else:
                method = Method.SEND_LOCATION
                payload = {"latitude": item.latitude, "longitude": item.longitude}
            staff.append(
                Outgoing(
                    chat_id=admin_id,
                    method=method,
                    payload=payload,
                    key=f"{key}:{number}:{admin_id}",
                    priority=Priority.URGENT,
                    purpose="alert.problem",
                    assignment_id=assignment_id,
                )
            )
    return staff


async def _on_send(update: Update, context: FerrymanContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    state = context.state
    now = state.clock.now()
    message = query.message if isinstance(query.message, Message) else None
    # The staff's copies commit with the problem event: a failed call cannot lose the report.
    async with state.repos.db.transaction():
        report = await problems.report_problem(
            state.repos, user.id, telegram_at=telegram_time(message, now), now=now
        )
        key = f"alert.problem:{user.id}:{query.id}"
        await state.repos.outbox.add(*await _staff_messages(state, report, key))
    state.outbox.wake()
    language = await user_language(state, user)
    await query.answer()
    await context.bot.send_message(user.id, state.translator.get(language, REPORTED))
    await _resume(context, user, report.resumed)


async def _resume(context: FerrymanContext, user: User, resumed: InputKind | None) -> None:
    if resumed is InputKind.PROOF:
        # The report interrupted a delivery: the checklist goes on where it stopped.
        state = context.state
        step = await proof.expected_proof(state.repos, state.settings.delivery, user.id)
        await ask_for_next_proof(context, user, step)


async def _on_cancel(update: Update, context: FerrymanContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    state = context.state
    if not await problems.is_waiting_for_problem(state.repos, user.id):
        await query.answer()
        return
    resumed = await problems.cancel_problem(state.repos, user.id)
    language = await user_language(state, user)
    await query.answer()
    await context.bot.send_message(user.id, state.translator.get(language, CANCELLED))
    await _resume(context, user, resumed)


async def _on_call(update: Update, context: FerrymanContext) -> None:
    """The dispatcher's contact card: one tap on it calls from the phone's dialler."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    state = context.state
    company = state.settings.company
    await query.answer()
    if not company.dispatcher_phone:
        return
    language = await user_language(state, user)
    await context.bot.send_contact(
        user.id,
        phone_number=company.dispatcher_phone,
        first_name=state.translator.get(language, DISPATCHER),
        last_name=company.name,
    )


async def on_problem_button(update: Update, context: FerrymanContext) -> None:
    query = update.callback_query
    if query is None:
        return
    handler = {_SEND: _on_send, _CANCEL: _on_cancel, _CALL: _on_call}.get(query.data or "")
    if handler is None:
        await query.answer()
        return
    try:
        await handler(update, context)
    except ServiceRefused as refusal:
        await refuse(update, context, refusal.reason, "problem button")


def register(app: FerrymanApp) -> None:
    # A repeat of a piece is dropped: it was kept once, and the driver was answered.
    add_dialog(app, InputKind.PROBLEM, on_problem_input)
    add(app, CallbackQueryHandler(on_problem_button, pattern=r"^prob:"))
