"""Seeing the day: /board [date] (text with Refresh, and a picture), /late, /driver, /export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.i18n import N_
from bot.services.board import board_picture, board_png, board_text, late_text, load_board
from bot.services.driver_profile import find_drivers, profile_lines
from bot.services.export import export_bytes, export_name
from bot.state import AppState, FerrymanApp, FerrymanContext
from bot.telegram_limits import MESSAGE_LIMIT, fit
from handlers.common import log
from handlers.guards import admin_only
from handlers.registry import NEW, PRIVATE, add

REFRESH = N_("🔄 Refresh")
BAD_DATE = N_("“{value}” is not a date: write YYYY-MM-DD, e.g. {example}.")
EXPORT_USAGE = N_(
    "Usage: /export [from] [to] – dates YYYY-MM-DD; without dates: today. At most 366 days."
)
EXPORT_CAPTION = N_("{trips} trips, {start} – {end}. Times carry their zone.")
DRIVER_USAGE = N_("Usage: /driver PHONE or NAME")
NO_SUCH_DRIVER = N_("No driver matches “{query}”.")
MANY_DRIVERS = N_("Several drivers match “{query}”; write more of the name or the phone:")
EXPORT_MAX_DAYS = 366


def _confirm_after(state: AppState) -> timedelta:
    """A delivery the receiver has not confirmed by then shows on the board."""
    return timedelta(minutes=state.settings.delivery.receiver_confirm_minutes)


def register(app: FerrymanApp) -> None:
    for name, callback in (
        ("board", on_board),
        ("late", on_late),
        ("driver", on_driver),
        ("export", on_export),
    ):
        add(app, CommandHandler(name, callback, filters=PRIVATE & NEW))
    add(app, CallbackQueryHandler(on_refresh, pattern=r"^bd:"))


def _t(state: AppState, language: str) -> Callable[..., str]:
    return lambda msgid, **values: state.translator.get(language, msgid, **values)


def _today(state: AppState) -> date:
    return state.clock.now().astimezone(state.settings.company.timezone).date()


async def _day_arg(
    message: Message, args: list[str], index: int, default: date, t: Callable[..., str]
) -> date | None:
    if len(args) <= index:
        return default
    try:
        return date.fromisoformat(args[index])
    except ValueError:
        await message.reply_text(t(BAD_DATE, value=args[index], example=default.isoformat()))
        return None


def _refresh_markup(day: date, t: Callable[..., str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(REFRESH), callback_data=f"bd:{day.isoformat()}")]]
    )


@admin_only
async def on_board(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    assert message is not None
    state = context.state
    t = _t(state, context.caller.language)
    day = await _day_arg(message, context.args or [], 0, _today(state), t)
    if day is None:
        return
    zone = state.settings.company.timezone
    board = await load_board(
        state.repos, day, state.clock.now(), _confirm_after(state), context.caller.language
    )
    await message.reply_text(
        fit(board_text(board, zone, t, context.caller.language), MESSAGE_LIMIT),
        reply_markup=_refresh_markup(day, t),
    )
    if board.trips:
        png = await board_png(board_picture(board, zone, t, context.caller.language))
        await message.reply_photo(InputFile(png, filename=f"board-{day.isoformat()}.png"))


@admin_only
async def on_refresh(update: Update, context: FerrymanContext) -> None:
    query = update.callback_query
    assert query is not None
    state = context.state
    t = _t(state, context.caller.language)
    try:
        day = date.fromisoformat((query.data or "").removeprefix("bd:"))
    except ValueError:
        await query.answer()
        return
    board = await load_board(
        state.repos, day, state.clock.now(), _confirm_after(state), context.caller.language
    )
    await query.answer()
    try:
        await query.edit_message_text(
            fit(
                board_text(board, state.settings.company.timezone, t, context.caller.language),
                MESSAGE_LIMIT,
            ),
            reply_markup=_refresh_markup(day, t),
        )
    except BadRequest as exc:
        # Nothing changed since the last look: Telegram refuses an identical edit.
        if "not modified" not in exc.message:
            raise


@admin_only
async def on_late(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    assert message is not None
    state = context.state
    t = _t(state, context.caller.language)
    board = await load_board(
        state.repos,
        _today(state),
        state.clock.now(),
        _confirm_after(state),
        context.caller.language,
    )
    await message.reply_text(
        fit(
            late_text(board, state.settings.company.timezone, t, context.caller.language),
            MESSAGE_LIMIT,
        )
    )


@admin_only
async def on_driver(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    assert message is not None
    state = context.state
    t = _t(state, context.caller.language)
    query = " ".join(context.args or []).strip()
    if not query:
        await message.reply_text(t(DRIVER_USAGE))
        return
    found = await find_drivers(state.repos, query)
    if not found:
        await message.reply_text(t(NO_SUCH_DRIVER, query=query))
        return
    if len(found) > 1:
        names = "\n".join(f"• {d.name} {d.phone}" for d in found[:10])
        await message.reply_text(t(MANY_DRIVERS, query=query) + "\n" + names)
        return
    lines = await profile_lines(state, found[0], t)
    await message.reply_text(fit("\n".join(lines), MESSAGE_LIMIT))


@admin_only
async def on_export(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    assert message is not None
    state = context.state
    t = _t(state, context.caller.language)
    args = context.args or []
    start = await _day_arg(message, args, 0, _today(state), t)
    if start is None:
        return
    end = await _day_arg(message, args, 1, start, t)
    if end is None:
        return
    if end < start or end - start > timedelta(days=EXPORT_MAX_DAYS):
        await message.reply_text(t(EXPORT_USAGE))
        return
    zone = state.settings.company.timezone
    csv_data, xlsx_data, count = await export_bytes(
        state.settings.storage.database, start, end, zone
    )
    name = export_name(start, end)
    log.info("admin %s exported %s trips", context.caller.telegram_id, count)
    caption = t(EXPORT_CAPTION, trips=count, start=start.isoformat(), end=end.isoformat())
    await message.reply_document(InputFile(csv_data, filename=f"{name}.csv"))
    await message.reply_document(InputFile(xlsx_data, filename=f"{name}.xlsx"), caption=caption)
