"""/verify (text or a photo of the QR) and /qrsheet (the printable PDF)."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import Document, InputFile, Message, PhotoSize, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.clearance import messages
from bot.clearance.printing import build_day_sheet
from bot.clearance.token import SigningUnavailable
from bot.clearance.verification import Verification, no_qr_found, record_verification, verify_code
from bot.domain.events import EventKind
from bot.domain.pending import InputKind
from bot.services.errors import Refusal
from bot.state import AppState, FerrymanApp, FerrymanContext
from bot.telegram_limits import DOWNLOAD_LIMIT_BYTES
from handlers.common import log, refuse
from handlers.guards import admin_only, staff_only
from handlers.registry import NEW, PRIVATE, add
from handlers.router import add_dialog

# After a bare /verify, the user's next photo is a QR to check, if it comes within this time.
EXPECT_PHOTO_FOR = timedelta(minutes=10)
MAX_CODES_PER_PHOTO = 4


def _argument(message: Message) -> str:
    """Everything after the command, verbatim (imported codes may contain spaces)."""
    parts = (message.text or "").split(None, 1)
    return parts[1].strip() if len(parts) > 1 else ""


async def _reply(state: AppState, message: Message, language: str, v: Verification) -> None:
    zone = state.settings.company.timezone
    await message.reply_text(messages.verification_text(state.translator, language, v, zone))


async def _check_text(update: Update, context: FerrymanContext, code: str) -> None:
    message, caller, state = update.effective_message, context.caller, context.state
    assert message is not None
    now = state.clock.now()
    result = await verify_code(state.repos, state.clearance, code, now)
    await record_verification(state.repos, result, caller.telegram_id, now)
    await _reply(state, message, caller.language, result)


@staff_only
async def on_verify(update: Update, context: FerrymanContext) -> None:
    message, caller, state = update.effective_message, context.caller, context.state
    if message is None:
        return
    code = _argument(message)
    if not code:
        # The next photo (or text) is the code; whatever was pending resumes after it.
        await state.repos.pending.set(
            caller.telegram_id, InputKind.VERIFY, None, state.clock.now(), interrupt=True
        )
        await message.reply_text(state.translator.get(caller.language, messages.VERIFY_HOW))
        return
    await state.repos.pending.clear(caller.telegram_id, InputKind.VERIFY)
    await _check_text(update, context, code)


async def _check_photo(update: Update, context: FerrymanContext) -> None:
    message, caller, state = update.effective_message, context.caller, context.state
    assert message is not None
    language = caller.language
    attachment: PhotoSize | Document | None = (
        message.photo[-1] if message.photo else message.document
    )
    if attachment is None:
        return
    if (attachment.file_size or 0) > DOWNLOAD_LIMIT_BYTES:
        await refuse(update, context, Refusal.FILE_TOO_LARGE, "QR photo")
        return
    try:
        telegram_file = await attachment.get_file()
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("could not download a QR photo from user %s: %s", caller.telegram_id, exc)
        await message.reply_text(state.translator.get(language, messages.DOWNLOAD_FAILED))
        return
    now = state.clock.now()
    texts = list(dict.fromkeys(await state.clearance.decode(data)))[:MAX_CODES_PER_PHOTO]
    results = [await verify_code(state.repos, state.clearance, t, now) for t in texts]
    for result in results or [no_qr_found()]:
        await record_verification(state.repos, result, caller.telegram_id, now)
        await _reply(state, message, language, result)


@staff_only
async def on_captioned_photo(update: Update, context: FerrymanContext) -> None:
    """A photo captioned /verify, whatever else is pending."""
    await _check_photo(update, context)


async def on_verify_input(update: Update, context: FerrymanContext) -> bool:
    """The dialog after a bare /verify: a photo of the QR, or the code as text."""
    message, caller, state = update.effective_message, context.caller, context.state
    pending = caller.pending
    if message is None or pending is None:
        return False
    await state.repos.pending.clear(caller.telegram_id, InputKind.VERIFY)
    if state.clock.now() - pending.created_at > EXPECT_PHOTO_FOR:
        return False  # too late to be the answer: the message is taken as if nothing waited
    if message.photo or (
        message.document is not None and (message.document.mime_type or "").startswith("image/")
    ):
        await _check_photo(update, context)
        return True
    if message.text:
        await _check_text(update, context, message.text.strip())
        return True
    return False


@admin_only
async def on_qrsheet(update: Update, context: FerrymanContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    state = context.state
    language = context.caller.language
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
        sheet = await build_day_sheet(state.repos, state.clearance, day, labels, language)
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
    await state.repos.events.append(
        EventKind.QR_SHEET_PRINTED,
        recorded_at=state.clock.now(),
        actor_telegram_id=user.id,
        payload={"date": day.isoformat(), "codes": sheet.codes},
    )
    log.info("admin %s printed the QR sheet of %s (%d codes)", user.id, day, sheet.codes)


VERIFY_CAPTION = filters.CaptionRegex(r"^/verify(@\w+)?(\s|$)")


def register(app: FerrymanApp) -> None:
    add(app, CommandHandler("verify", on_verify, filters=PRIVATE & NEW))
    add(app, CommandHandler("qrsheet", on_qrsheet, filters=PRIVATE & NEW))
    # Before the delivery-proof photo handler: a QR photo captioned /verify is never proof.
    add(
        app,
        MessageHandler(
            PRIVATE & NEW & (filters.PHOTO | filters.Document.IMAGE) & VERIFY_CAPTION,
            on_captioned_photo,
        ),
    )
    add_dialog(app, InputKind.VERIFY, on_verify_input)
