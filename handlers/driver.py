"""Driver commands: /today, /me, /problem, /language, /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.domain.pending import InputKind
from bot.i18n import N_
from bot.notify import NoDriver, send_assignment
from bot.services import problems, trips
from bot.services.errors import Refusal
from bot.services.visa import driver_visa_status
from bot.state import FerrymanApp, FerrymanContext
from bot.timefmt import format_day, format_time
from handlers.common import answer, refusals_answered, refuse, user_language
from handlers.onboarding import language_keyboard
from handlers.problem_report import ask_for_problem
from handlers.registry import NEW, PRIVATE, add

NO_ASSIGNMENT = N_("You have no assignment right now. It will arrive here.")
HELP = N_(
    "How it works:\n"
    "1. Your assignment arrives here the evening before and again in the morning, with the "
    "clearance QR code. Keep it: it works at the gate without internet.\n"
    "2. Press the buttons under it as you go: Accept, Picked up, Crossed the border, "
    "Delivered.\n"
    "3. At the lot, send the photos asked for, then your location.\n"
    "4. Press Back in China when you return.\n\n"
    "/today – today's assignment and QR code\n"
    "/me – profile and visa-free days\n"
    "/problem – report a problem\n"
    "/language – change language"
)
PROFILE = N_(
    "👤 {name}\n📱 {phone}\n🛂 Passport {passport}, valid until {expiry}\n\n"
    "Visa-free days (each calendar day in Kazakhstan, Kazakhstan time, counts as a whole "
    "day):\n• this stay: {stay_days} of 30 used, {stay_left} left\n"
    "• last 180 days: {window_days} of 90 used, {window_left} left"
)
MUST_LEAVE = N_("You must be back in China by the end of {date} (Kazakhstan time, UTC+5).")
NOT_IN_KZ = N_("You are in China now.")
OVERSTAY = N_(
    "⚠️ Over the visa-free limit: you had to be back in China by the end of {date} "
    "(Kazakhstan time, UTC+5). Days over: {days}. Return today and tell your dispatcher."
)
WINDOW_OVER = N_(
    "⚠️ Over the limit of 90 days in 180 by {days}. Do not cross again until your "
    "dispatcher says so."
)
PASSPORT_SOON = N_("⚠️ Your passport expires within 6 months.")
CHOOSE_LANGUAGE = N_("Choose your language:")
PASSPORT_WARNING_DAYS = 183


@refusals_answered("/today")
async def on_today(update: Update, context: FerrymanContext) -> None:
    user = update.effective_user
    if user is None:
        return
    state = context.state
    trip = await trips.current_trip(state.repos, user.id) or await trips.delivered_abroad(
        state.repos, user.id, state.clock.now()
    )
    if trip is None:
        await answer(update, context, NO_ASSIGNMENT)
        return
    try:
        await send_assignment(context.bot, state, trip.assignment.id)
    except NoDriver:
        await answer(update, context, NO_ASSIGNMENT)


@refusals_answered("/me")
async def on_me(update: Update, context: FerrymanContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    state = context.state
    driver = await trips.registered_driver(state.repos, user.id)
    now = state.clock.now()
    visa = await driver_visa_status(state.repos, driver.id, now)
    tr, language = state.translator, driver.language
    passport = driver.passport_number
    masked = "•" * max(0, len(passport) - 4) + passport[-4:]
    lines = [
        tr.get(
            language,
            PROFILE,
            name=driver.name,
            phone=driver.phone,
            passport=masked,
            expiry=format_day(driver.passport_expiry, language) if driver.passport_expiry else "—",
            stay_days=visa.stay_days,
            stay_left=visa.stay_days_left,
            window_days=visa.window_days,
            window_left=visa.window_days_left,
        )
    ]
    if visa.must_leave_by is None:
        lines.append(tr.get(language, NOT_IN_KZ))
        if visa.window_days_over:
            lines.append(tr.get(language, WINDOW_OVER, days=visa.window_days_over))
    elif visa.overstay_days:
        when = format_day(visa.must_leave_by, language)
        lines.append(tr.get(language, OVERSTAY, date=when, days=visa.overstay_days))
    else:
        lines.append(tr.get(language, MUST_LEAVE, date=format_day(visa.must_leave_by, language)))
    expiry = driver.passport_expiry
    if expiry is not None and (expiry - now.date()).days < PASSPORT_WARNING_DAYS:
        lines.append(tr.get(language, PASSPORT_SOON))
    lines.append(format_time(now, state.settings.company.timezone, language))
    await message.reply_text("\n".join(lines))


@refusals_answered("/problem")
async def on_problem(update: Update, context: FerrymanContext) -> None:
    user = update.effective_user
    if user is None:
        return
    await problems.begin_problem(context.state.repos, user.id, None, context.state.clock.now())
    await ask_for_problem(context, user)


async def on_language(update: Update, context: FerrymanContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    caller = context.caller
    onboarding = caller.pending_kind is InputKind.ONBOARDING  # picks a language on the way
    if caller.driver is None and not caller.is_staff and not onboarding:
        # A stranger's choice would be stored nowhere (the buttons refuse them): say how to
        # become a driver instead, in the language their Telegram client asks for.
        await refuse(update, context, Refusal.NOT_REGISTERED, "/language")
        return
    state = context.state
    language = await user_language(state, user)
    await message.reply_text(
        state.translator.get(language, CHOOSE_LANGUAGE), reply_markup=language_keyboard()
    )


ADMIN_HELP = N_(
    "Admin commands:\n"
    "/invite NAME [PHONE] – a one-time registration link for a new driver (with a phone "
    "number, only that number can use it)\n"
    "/verify CODE – check a clearance code (or send a photo of the QR captioned /verify)\n"
    "/qrsheet [YYYY-MM-DD] – the day's QR codes as a printable PDF\n"
    "/correct NUMBER [reason] – undo a border crossing pressed by mistake\n"
    "/returned NUMBER – the car of a cancelled trip is back at the yard\n"
    "/visa – drivers in Kazakhstan or near the visa-free limits, with the date to be back"
)


DAY_HELP = N_(
    "The day:\n"
    "/board [YYYY-MM-DD] – counts, late trips, flagged deliveries, trips not dispatched; "
    "/late – only the late ones\n"
    "Send a CSV or XLSX manifest (or /import) – every row checked, then a preview; /template "
    "– the columns\n"
    "/assign PHONE|NAME VIN DESTINATION [YYYY-MM-DD] [HH:MM] – one trip\n"
    "/reassign NUMBER PHONE|NAME – another driver; /cancel NUMBER [reason]\n"
    "/dispatch [YYYY-MM-DD] – send the unsent trips now\n"
    "/driver PHONE|NAME – profile, visa-free days, last trips\n"
    "/export [FROM] [TO] – CSV and XLSX with every event time\n"
    "/broadcast TEXT – to every active driver"
)
OWNER_HELP = N_("/admins – add or remove admins and checkpoint staff")
CHECKPOINT_HELP = N_(
    "Checkpoint commands:\n"
    "/verify CODE – check a clearance code (or send a photo of the QR captioned /verify)\n"
    "/whoami – your Telegram user id"
)


async def on_help(update: Update, context: FerrymanContext) -> None:
    caller = context.caller
    await answer(update, context, HELP)
    message, tr = update.effective_message, context.state.translator
    if caller.is_admin and message is not None:
        lines = [tr.get(caller.language, ADMIN_HELP), tr.get(caller.language, DAY_HELP)]
        if caller.is_owner:
            lines.append(tr.get(caller.language, OWNER_HELP))
        await message.reply_text("\n".join(lines))
    elif caller.is_staff:
        await answer(update, context, CHECKPOINT_HELP)


def register(app: FerrymanApp) -> None:
    commands = {
        "today": on_today,
        "me": on_me,
        "problem": on_problem,
        "language": on_language,
        "help": on_help,
    }
    for name, callback in commands.items():
        add(app, CommandHandler(name, callback, filters=PRIVATE & NEW))
