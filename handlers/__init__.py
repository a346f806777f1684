"""Telegram in and out only: parse, authorize, call bot/ services, reply."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.state import FerrymanApp
from handlers import admin, corrections, driver, fallback, onboarding, proof, text, trip
from handlers.errors import on_error

PRIVATE = filters.ChatType.PRIVATE
NEW = filters.UpdateType.MESSAGE


def register_handlers(app: FerrymanApp) -> None:
    from handlers import clearance  # /verify and /qrsheet, plus QR photos in group -1

    clearance.register(app)
    corrections.register(app)
    commands = {
        "start": onboarding.on_start,
        "today": driver.on_today,
        "me": driver.on_me,
        "problem": driver.on_problem,
        "language": driver.on_language,
        "help": driver.on_help,
        "invite": admin.on_invite,
    }
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback, filters=PRIVATE & NEW))
    app.add_handler(CallbackQueryHandler(onboarding.on_language_button, pattern=r"^lang:"))
    app.add_handler(CallbackQueryHandler(trip.on_trip_button))
    app.add_handler(MessageHandler(PRIVATE & NEW & filters.CONTACT, onboarding.on_contact))
    app.add_handler(
        MessageHandler(PRIVATE & NEW & (filters.PHOTO | filters.Document.IMAGE), proof.on_photo)
    )
    app.add_handler(MessageHandler(PRIVATE & NEW & filters.Document.ALL, fallback.on_document))
    app.add_handler(MessageHandler(PRIVATE & NEW & filters.LOCATION, proof.on_location))
    app.add_handler(
        MessageHandler(
            filters.UpdateType.EDITED_MESSAGE & filters.LOCATION, proof.on_live_location_update
        )
    )
    app.add_handler(MessageHandler(PRIVATE & NEW & filters.TEXT & ~filters.COMMAND, text.on_text))
    app.add_handler(MessageHandler(PRIVATE & NEW & filters.COMMAND, fallback.on_unknown_command))
    app.add_handler(MessageHandler(PRIVATE & NEW, fallback.on_unsupported))
    app.add_error_handler(on_error)
