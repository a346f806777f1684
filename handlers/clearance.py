"""/verify (text or a photo of the QR) and /qrsheet (the printable PDF)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from telegram import Document, InputFile, Message, PhotoSize, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, CommandHandler, MessageHandler, filters

from bot.clearance import messages
from bot.clearance.printing import build_day_sheet
from bot.clearance.token import SigningUnavailable
from bot.clearance.verification import Verification, no_qr_found, record_verification, verify_code
from bot.roles import can_verify, is_admin
from bot.services.errors import Refusal
from bot.state import AppState, FerrymanApp, FerrymanContext
from bot.telegram_limits import DOWNLOAD_LIMIT_BYTES
from handlers.common import log, refuse, user_language

PRIVATE = filters.ChatType.PRIVATE
NEW = filters.UpdateType.MESSAGE
# After a bare /verify, the user's next photo is a QR to check, if it comes within this time.
EXPECT_PHOTO_KEY = "clearance.verify_photo_since"
EXPECT_PHOTO_FOR = timedelta(minutes=10)
MAX_CODES_PER_PHOTO = 4


def _argument(message: Message) -> str:
    """Everything after the command, verbatim (imported codes may contain spaces)."""
    parts = (message.text or "").split(None, 1)
    return parts[1].strip() if len(parts) > 1 else ""


async def _reply(state: AppState, message: Message, language: str, v: Verification) -> None:
    zone = state.settings.company.timezone
    await message.reply_text(messages.verification_text(state.translator, language, v, zone))


async def on_verify(update: Update, context: FerrymanContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    state = context.state
    language = await user_language(state, user)
    if not await can_verify(state, user.id):
        log.info("refused /verify from user %s", user.id)
        await message.reply_text(state.translator.get(language, messages.NOT_ALLOWED_VERIFY))
        return
    code = _argument(message)
    if not code:
        if context.user_data is not None:
            context.user_data[EXPECT_PHOTO_KEY] = state.clock.now()
        await message.reply_text(state.translator.get(language, messages.VERIFY_HOW))
        return
    if context.user_data is not None:
        context.user_data.pop(EXPECT_PHOTO_KEY, None)
    now = state.clock.now()
    result = await verify_code(state.repos, state.clearance, code, now)
    await record_verification(state.repos, result, user.id, now)
    await _reply(state, message, language, result)


def _captioned_verify(message: Message) -> bool:
    words = (message.caption or "").split(None, 1)
    return bool(words) and words[0].split("@")[0].lower() == "/verify"


def _expected(context: FerrymanContext, now: datetime) -> bool:
    if context.user_data is None:
        return False
    since = context.user_data.pop(EXPECT_PHOTO_KEY, None)
    return isinstance(since, datetime) and now - since <= EXPECT_PHOTO_FOR


async def on_photo(update: Update, context: FerrymanContext) -> None:
    """Group -1: takes QR photos meant for /verify; every other photo goes on to group 0."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    state = context.state
    now = state.clock.now()
    if not _captioned_verify(message) and not _expected(context, now):
        return
    language = await user_language(state, user)
    if not await can_verify(state, user.id):
        await message.reply_text(state.translator.get(language, messages.NOT_ALLOWED_VERIFY))
        raise ApplicationHandlerStop
    attachment: PhotoSize | Document | None = (
        message.photo[-1] if message.photo else message.document
    )
    if attachment is None:
        raise ApplicationHandlerStop
    if (attachment.file_size or 0) > DOWNLOAD_LIMIT_BYTES:
        await refuse(update, context, Refusal.FILE_TOO_LARGE, "QR photo")
        raise ApplicationHandlerStop
    try:
        telegram_file = await attachment.get_file()
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("could not download a QR photo from user %s: %s", user.id, exc)
        await message.reply_text(state.translator.get(language, messages.DOWNLOAD_FAILED))
        raise ApplicationHandlerStop from None
    texts = list(dict.fromkeys(await state.clearance.decode(data)))[:MAX_CODES_PER_PHOTO]
    results = [await verify_code(state.repos, state.clearance, t, now) for t in texts]
    for result in results or [no_qr_found()]:
        await record_verification(state.repos, result, user.id, now)
        await _reply(state, message, language, result)
    raise ApplicationHandlerStop


async def on_qrsheet(update: Update, context: FerrymanContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    state = context.state
    if not await is_admin(state, user.id):
        await refuse(update, context, Refusal.NOT_ADMIN, "/qrsheet")
        return
    language = await user_language(state, user)
    t = state.translator
    today = state.clock.now().astimezone(state.settings.company.timezone).date()
    raw = _argument(message)
    try:
        day = date.fromisoformat(raw) if raw else today
    except ValueError:
        await message.reply_text(t.get(language, messages.SHEET_USAGE, date=today.isoformat()))
        return
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
    labels = messages.sheet_labels(t, language, day.isoformat())
    try:
        sheet = await build_day_sheet(state.repos, state.clearance, day, labels)
    except SigningUnavailable:
        await message.reply_text(t.get(language, messages.SHEET_NO_KEY))
        return
    if sheet.codes == 0:
        await message.reply_text(t.get(language, messages.SHEET_EMPTY, date=day.isoformat()))
        return
    caption = t.get(
        language,
        messages.SHEET_CAPTION,
        date=day.isoformat(),
        count=sheet.codes,
        pages=sheet.pages,
    )
    await message.reply_document(
        InputFile(sheet.pdf, filename=f"qr-sheet-{day.isoformat()}.pdf"), caption=caption
    )
    log.info("admin %s printed the QR sheet of %s (%d codes)", user.id, day, sheet.codes)


def register(app: FerrymanApp) -> None:
    app.add_handler(CommandHandler("verify", on_verify, filters=PRIVATE & NEW))
    app.add_handler(CommandHandler("qrsheet", on_qrsheet, filters=PRIVATE & NEW))
    app.add_handler(
        MessageHandler(PRIVATE & NEW & (filters.PHOTO | filters.Document.IMAGE), on_photo),
        group=-1,
    )
