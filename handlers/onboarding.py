"""/start with an invitation, then language, phone, name and passport."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.commands import set_chat_commands, set_role_menu
from bot.domain.pending import InputKind
from bot.i18n import LANGUAGES, N_
from bot.inputs import date_example
from bot.notify import admin_alert
from bot.roles import Role
from bot.services import registration as reg
from bot.services.errors import Refusal
from bot.services.registration import InputProblem, StartOutcome, Step, StepResult
from bot.services.staff import set_staff_language
from bot.state import FerrymanApp, FerrymanContext
from handlers.common import log, refuse, user_language
from handlers.registry import NEW, PRIVATE, add
from handlers.router import add_dialog

LANGUAGE_NAMES = {"zh": "中文", "ru": "Русский", "en": "English", "kk": "Қазақша"}

START_ANSWERS = {
    StartOutcome.NO_TOKEN: N_(
        "Welcome to {company}. Ask your dispatcher for an invitation link to register."
    ),
    StartOutcome.UNKNOWN_TOKEN: N_(
        "This invitation link is not valid. Ask your dispatcher for a new one."
    ),
    StartOutcome.USED_TOKEN: N_(
        "This invitation link has already been used. Ask your dispatcher for a new one."
    ),
    StartOutcome.EXPIRED_TOKEN: N_(
        "This invitation link has expired (links are valid for 7 days). "
        "Ask your dispatcher for a new one."
    ),
    StartOutcome.CLAIMED_TOKEN: N_(
        "This invitation link was opened by someone else first; each link is for one driver. "
        "Ask your dispatcher for your own link."
    ),
    StartOutcome.ALREADY_REGISTERED: N_(
        "You are already registered, {name}. /today shows your assignment, /help the commands."
    ),
}

PROMPTS = {
    Step.LANGUAGE: N_("Choose your language:"),
    Step.PHONE: N_("Share your phone number with the button below."),
    Step.NAME: N_("Send your full name as written in your passport."),
    Step.PASSPORT_NUMBER: N_("Send your passport number."),
    Step.PASSPORT_EXPIRY: N_("Send your passport expiry date, for example {example}."),
}

PROBLEMS = {
    InputProblem.CONTACT_NOT_OWN: N_(
        "Please share your own phone number with the button below, not someone else's contact."
    ),
    InputProblem.PHONE_NOT_INVITED: N_(
        "This invitation is for another phone number. Share your own number with the button "
        "below; if your number has changed, ask your dispatcher for a new link."
    ),
    InputProblem.NAME_INVALID: N_(
        "Please send your full name in letters, as in your passport (2 to 64 characters)."
    ),
    InputProblem.PASSPORT_INVALID: N_(
        "That does not look like a passport number (5 to 20 letters and digits)."
    ),
    InputProblem.DATE_INVALID: N_("I could not read this date. Send it like this: {example}."),
    InputProblem.PASSPORT_EXPIRED: N_(
        "This passport has expired. You need a valid passport to cross the border."
    ),
    InputProblem.WRONG_INPUT: N_("Please answer the question above."),
}

SHARE_PHONE = N_("📱 Share my phone number")
ADMIN_WELCOME = N_(
    "Welcome to {company}. You are an admin here: /invite NAME creates a driver's "
    "registration link; /help lists the other commands."
)
CHECKPOINT_WELCOME = N_(
    "Welcome to {company}. You are checkpoint staff here: /verify checks a clearance code or "
    "a photo of its QR."
)
REGISTERED = N_(
    "Registered. Welcome, {name}! Your assignments will arrive here. /help lists the commands."
)
ADMIN_NEW_DRIVER = N_("New driver registered: {name}, {phone}.")
LANGUAGE_SET = N_("Language set: English.")


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=f"lang:{code}")]
            for code in LANGUAGES
        ]
    )


async def _prompt(update: Update, context: FerrymanContext, result: StepResult) -> None:
    """Say what went wrong (if anything), then ask for the current step."""
    message = update.effective_message
    state = context.state
    tr = state.translator
    registration = result.registration
    if message is None:
        return
    if result.ended is not None:
        # The invitation stopped holding mid-way (expired, or someone else used it): say so
        # at whatever step this person is, and take the phone button away.
        language = await user_language(state, update.effective_user)
        await message.reply_text(
            tr.get(language, START_ANSWERS[result.ended]), reply_markup=ReplyKeyboardRemove()
        )
        return
    if registration is None:
        return
    language = str(registration.data.get("language", state.settings.company.default_language))
    # Dates are asked for and refused with an example in the reader's own format.
    example = date_example(language)
    if result.problem is not None:
        await message.reply_text(tr.get(language, PROBLEMS[result.problem], example=example))
    step = Step(registration.step)
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
    if step is Step.LANGUAGE:
        markup = language_keyboard()
    elif step is Step.PHONE:
        markup = ReplyKeyboardMarkup(
            [[KeyboardButton(tr.get(language, SHARE_PHONE), request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    else:
        markup = ReplyKeyboardRemove()
    await message.reply_text(tr.get(language, PROMPTS[step], example=example), reply_markup=markup)


async def on_start(update: Update, context: FerrymanContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    state = context.state
    token = context.args[0] if context.args else None
    outcome, registration = await reg.start(
        state.repos,
        user.id,
        token,
        state.translator.language(user.language_code),
        state.clock.now(),
    )
    if registration is not None:
        await _prompt(update, context, StepResult(registration))
        return
    log.info("/start from user %s: %s", user.id, outcome.value)
    caller = context.caller
    if outcome is StartOutcome.NO_TOKEN and caller.is_staff:
        welcome = ADMIN_WELCOME if caller.is_admin else CHECKPOINT_WELCOME
        await message.reply_text(
            state.translator.get(caller.language, welcome, company=state.settings.company.name)
        )
        # An owner or admin who never opened the bot had no chat for the menu until now.
        await set_role_menu(context.bot, state.translator, user.id, caller.role, caller.language)
        return
    driver = await state.repos.drivers.by_telegram_id(user.id)
    await message.reply_text(
        state.translator.get(
            await user_language(state, user),
            START_ANSWERS[outcome],
            company=state.settings.company.name,
            name=driver.name if driver else "",
        )
    )


async def on_language_button(update: Update, context: FerrymanContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    state = context.state
    code = (query.data or "").removeprefix("lang:")
    if code not in LANGUAGES:
        log.warning("tampered language button from user %s", user.id)
        await query.answer()
        return
    now = state.clock.now()
    registration = await state.repos.registrations.get(user.id)
    if registration is not None:
        await query.answer()
        await _prompt(
            update, context, await reg.choose_language(state.repos, registration, code, now)
        )
        return
    caller = context.caller
    driver = caller.driver
    if driver is None and not caller.is_staff:
        await refuse(update, context, Refusal.NOT_REGISTERED, "language button")
        return
    if driver is not None:
        await state.repos.drivers.set_language(driver.id, code)
    if caller.is_staff:
        # Staff's menus, answers and alerts follow their stored language.
        await set_staff_language(state.repos, user.id, code, now)
    role = caller.role if caller.is_staff else Role.DRIVER
    await set_role_menu(context.bot, state.translator, user.id, role, code)
    await query.answer(state.translator.get(code, LANGUAGE_SET))
    if query.message is not None:
        await context.bot.send_message(user.id, state.translator.get(code, LANGUAGE_SET))


async def on_contact(update: Update, context: FerrymanContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.contact is None:
        return
    state = context.state
    registration = await state.repos.registrations.get(user.id)
    if registration is None:
        log.info("unexpected contact from user %s", user.id)
        language = await user_language(state, user)
        await message.reply_text(
            state.translator.get(language, N_("I don't need a contact now.")),
            reply_markup=ReplyKeyboardRemove(),
        )
        return
    contact = message.contact
    result = await reg.give_phone(
        state.repos, registration, contact.user_id, contact.phone_number, state.clock.now()
    )
    await _prompt(update, context, result)


async def on_registration_text(update: Update, context: FerrymanContext) -> bool:
    """Handles text while onboarding; False when the user is not registering."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return False
    state = context.state
    registration = await state.repos.registrations.get(user.id)
    if registration is None:
        return False
    if registration.step in (Step.LANGUAGE, Step.PHONE):
        await _prompt(
            update, context, await reg.wrong_input(state.repos, registration, state.clock.now())
        )
        return True
    # The admins' "new driver" alert commits with the driver it announces.
    async with state.repos.db.transaction():
        result = await reg.give_text(state.repos, registration, message.text, state.clock.now())
        if result.driver is not None:
            await state.repos.outbox.add(
                *await admin_alert(
                    state,
                    ADMIN_NEW_DRIVER,
                    key=f"alert.registered:{result.driver.id}",
                    purpose="alert.registered",
                    driver_id=result.driver.id,
                    name=result.driver.name,
                    phone=result.driver.phone,
                )
            )
    state.outbox.wake()
    if result.driver is None:
        await _prompt(update, context, result)
        return True
    driver = result.driver
    await message.reply_text(
        state.translator.get(driver.language, REGISTERED, name=driver.name),
        reply_markup=ReplyKeyboardRemove(),
    )
    await set_chat_commands(context.bot, state.translator, user.id, driver.language)
    return True


async def on_onboarding_input(update: Update, context: FerrymanContext) -> bool:
    """The onboarding dialog: the phone as a contact, then text answers."""
    message = update.effective_message
    if message is None:
        return False
    if message.contact is not None:
        await on_contact(update, context)
        return True
    if message.text is not None:
        return await on_registration_text(update, context)
    return False


def register(app: FerrymanApp) -> None:
    add(app, CommandHandler("start", on_start, filters=PRIVATE & NEW))
    add(app, CallbackQueryHandler(on_language_button, pattern=r"^lang:"))
    add(app, MessageHandler(PRIVATE & NEW & filters.CONTACT, on_contact))
    # A repeat gets no answer of its own: the first copy's answer asks the next question.
    add_dialog(app, InputKind.ONBOARDING, on_onboarding_input)
