"""Manifest import in chat: /template, /import, a CSV or XLSX file, the preview's buttons.

The preview is a reply to the admin's file, so the "Import" button finds the file again in the
message it is pressed on: nothing is kept in memory between the preview and the press, and a
restart in between loses nothing. The file is checked again at the press, because the day may
have changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from telegram import (
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain.events import EventKind
from bot.i18n import N_
from bot.services.dispatch import dispatch_day
from bot.services.manifest import (
    COLUMNS,
    MAX_BYTES,
    MESSAGE_PROBLEMS,
    ManifestRefused,
    Validation,
    problem_lines,
    problems_csv,
    template_csv,
    template_xlsx,
)
from bot.services.manifest_import import BookedMeanwhile, check_file, store
from bot.state import AppState, FerrymanApp, FerrymanContext
from bot.telegram_limits import MESSAGE_LIMIT
from handlers.admin_send import dispatch_summary
from handlers.common import log
from handlers.guards import admin_only
from handlers.registry import NEW, PRIVATE, add

TEMPLATE_CAPTION = N_(
    "Manifest template: one trip a row, these columns in this order:\n{columns}\n"
    "date YYYY-MM-DD; pickup_time HH:MM; deliver_by YYYY-MM-DD HH:MM (company time unless "
    "the cell names a zone, e.g. 09:00 Asia/Almaty); pickup and destination: a place code or "
    "name; clearance_code empty: Ferryman signs one. Send the filled file here."
)
IMPORT_HOW = N_(
    "Send the manifest as a CSV or XLSX file (up to 5 MB and 5,000 rows). Every row is checked "
    "before anything is stored. /template sends a file to start from."
)
CHECKING = N_("⏳ Checking {name}…")
CHECKING_ROWS = N_(
    "⏳ Checking {name}: {rows} rows, every one against the drivers, places and bookings…"
)
PROGRESS_ROWS = 200
DAYS_LISTED = 7
DAYS_RANGE = N_("{first} – {last} ({count} days)")
REFUSED = N_("❌ {name}: {reason}")
PROBLEMS = N_("❌ {name}: {bad} of {total} rows have problems. Nothing was imported.")
PROBLEMS_MORE = N_("…and {count} more rows: see the attached file, one reason column per row.")
PROBLEMS_FILE = N_("Rows with problems in {name}, with the reason in the last column.")
PREVIEW = N_("{name}: {trips} trips, {drivers} drivers, {days}. Every row checked. Import them?")
IMPORT_BUTTON = N_("✅ Import")
IMPORT_SEND_BUTTON = N_("📤 Import and send now")
CANCEL_BUTTON = N_("✖️ Cancel")
IMPORTING = N_("⏳ Importing {trips} trips…")
IMPORTED = N_("✅ Imported {trips} trips (#{first}–#{last}) for {days}.")
CANCELLED = N_("Import cancelled; nothing was stored.")
FILE_GONE = N_("The file of this preview is no longer attached; send it again.")
TOO_LARGE = N_("The file is too large: the limit is 5 MB.")

EXTENSIONS = (".csv", ".xlsx")


def register(app: FerrymanApp) -> None:
    add(app, CommandHandler("template", on_template, filters=PRIVATE & NEW))
    add(app, CommandHandler("import", on_import, filters=PRIVATE & NEW))
    manifest_file = filters.Document.FileExtension("csv") | filters.Document.FileExtension("xlsx")
    add(app, MessageHandler(PRIVATE & NEW & manifest_file, on_manifest_file))
    add(app, CallbackQueryHandler(on_preview_button, pattern=r"^mf:"))


def _t(state: AppState, language: str) -> Callable[..., str]:
    return lambda msgid, **values: state.translator.get(language, msgid, **values)


@admin_only
async def on_template(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    assert message is not None
    t = _t(context.state, context.caller.language)
    caption = t(TEMPLATE_CAPTION, columns=", ".join(COLUMNS))
    await message.reply_document(InputFile(template_csv(), filename="manifest-template.csv"))
    await message.reply_document(
        InputFile(template_xlsx(), filename="manifest-template.xlsx"), caption=caption
    )


@admin_only
async def on_import(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(_t(context.state, context.caller.language)(IMPORT_HOW))


def _send_now_days(state: AppState, validation: Validation) -> list[date]:
    """Days of the file no scheduled dispatch will reach in time: today, and tomorrow once
    this evening's dispatch has gone out."""
    local = state.clock.now().astimezone(state.settings.company.timezone)
    late = [local.date()]
    if local.time() >= state.settings.schedule.evening_dispatch:
        late.append(local.date() + timedelta(days=1))
    return [day for day in validation.days if day in late]


def _days(validation: Validation, t: Callable[..., str]) -> str:
    """The days of a file; a season's worth as a range, so the preview stays one message."""
    days = validation.days
    if len(days) <= DAYS_LISTED:
        return ", ".join(day.isoformat() for day in days)
    return t(DAYS_RANGE, first=days[0].isoformat(), last=days[-1].isoformat(), count=len(days))


async def _check(
    context: FerrymanContext, document: Document, progress: Message, t: Callable[..., str]
) -> Validation | None:
    """Download and check the file; on any problem the progress message says it and None."""
    state = context.state
    name = document.file_name or "manifest"
    if (document.file_size or 0) > MAX_BYTES:
        await progress.edit_text(t(REFUSED, name=name, reason=t(TOO_LARGE)))
        return None
    data = bytes(await (await document.get_file()).download_as_bytearray())

    async def read(rows: int) -> None:
        if rows >= PROGRESS_ROWS:  # a small file is checked before anyone could read this
            await progress.edit_text(t(CHECKING_ROWS, name=name, rows=rows))

    try:
        validation = await check_file(
            state.repos, data, name, state.settings.company.timezone, state.clock.now(), read
        )
    except ManifestRefused as refused:
        await progress.edit_text(t(REFUSED, name=name, reason=refused.reason.text(t)))
        return None
    if validation.problems:
        await _report_problems(progress, name, validation, t)
        return None
    return validation


async def _report_problems(
    progress: Message, name: str, validation: Validation, t: Callable[..., str]
) -> None:
    problems = validation.problems
    head = t(PROBLEMS, name=name, bad=len(problems), total=len(problems) + len(validation.rows))
    lines = [head, ""]
    shown = 0
    for line in problem_lines(problems, t, MESSAGE_PROBLEMS):
        if sum(len(x) + 1 for x in lines) + len(line) > MESSAGE_LIMIT - 200:
            break
        lines.append(line)
        shown += 1
    if shown < len(problems):
        lines += ["", t(PROBLEMS_MORE, count=len(problems) - shown)]
    await progress.edit_text("\n".join(lines))
    if shown < len(problems):
        stem = name.rsplit(".", 1)[0]
        await progress.reply_document(
            InputFile(problems_csv(problems, t), filename=f"{stem}-problems.csv"),
            caption=t(PROBLEMS_FILE, name=name),
        )


@admin_only
async def on_manifest_file(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    t = _t(context.state, context.caller.language)
    name = message.document.file_name or "manifest"
    # Quoted: the preview must carry the file for its "Import" button (see the docstring).
    progress = await message.reply_text(t(CHECKING, name=name), do_quote=True)
    validation = await _check(context, message.document, progress, t)
    if validation is None:
        return
    buttons = [
        [InlineKeyboardButton(t(IMPORT_BUTTON), callback_data="mf:go")],
        [InlineKeyboardButton(t(CANCEL_BUTTON), callback_data="mf:no")],
    ]
    if _send_now_days(context.state, validation):
        buttons.insert(1, [InlineKeyboardButton(t(IMPORT_SEND_BUTTON), callback_data="mf:now")])
    await progress.edit_text(
        t(
            PREVIEW,
            name=name,
            trips=len(validation.rows),
            drivers=validation.drivers,
            days=_days(validation, t),
        ),
        reply_markup=InlineKeyboardMarkup(buttons),
    )


@admin_only
async def on_preview_button(update: Update, context: FerrymanContext) -> None:
    query = update.callback_query
    assert query is not None
    state = context.state
    t = _t(state, context.caller.language)
    await query.answer()
    preview = query.message
    if not isinstance(preview, Message):
        return
    if query.data == "mf:no":
        await preview.edit_text(t(CANCELLED))
        return
    original = preview.reply_to_message
    if original is None or original.document is None:
        await preview.edit_text(t(FILE_GONE))
        return
    # The buttons go first: a second press finds nothing to press.
    await preview.edit_text(t(CHECKING, name=original.document.file_name or "manifest"))
    validation = await _check(context, original.document, preview, t)
    if validation is None:
        return
    await preview.edit_text(t(IMPORTING, trips=len(validation.rows)))
    try:
        imported = await store(
            state.repos,
            state.clearance,
            validation.rows,
            now=state.clock.now(),
            actor=context.caller.telegram_id,
            source=original.document.file_name or "chat",
        )
    except BookedMeanwhile as clash:
        await preview.edit_text("\n".join(problem_lines(clash.problems, t, MESSAGE_PROBLEMS)))
        return
    ids = imported.assignment_ids
    log.info("admin %s imported %s trips", context.caller.telegram_id, len(ids))
    lines = [t(IMPORTED, trips=len(ids), first=ids[0], last=ids[-1], days=_days(validation, t))]
    if query.data == "mf:now":
        for day in _send_now_days(state, validation):
            await state.repos.events.append(
                EventKind.DISPATCH_REQUESTED,
                recorded_at=state.clock.now(),
                actor_telegram_id=context.caller.telegram_id,
                payload={"service_date": day.isoformat(), "after_import": True},
            )
            lines.append(dispatch_summary(await dispatch_day(state, day), t))
    await preview.edit_text("\n".join(lines))
