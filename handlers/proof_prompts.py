"""Asking for the next piece of delivery proof."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, User

from bot.domain.proof_items import ProofItem
from bot.i18n import N_, Translator
from bot.services.proof import ProofStep
from bot.state import FerrymanContext
from handlers.common import user_language

# Settings accept only ProofItem values, and a test checks that each one has a label here.
CHECKLIST_LABELS: dict[str, str] = {
    ProofItem.VIN_PLATE: N_("the VIN plate"),
    ProofItem.DASHBOARD: N_("the dashboard showing the odometer and the state of charge"),
    ProofItem.CAR_AT_LOT: N_("the whole car at the lot"),
    ProofItem.FRONT: N_("the car from the front"),
    ProofItem.REAR: N_("the car from behind"),
    ProofItem.LEFT_SIDE: N_("the left side of the car"),
    ProofItem.RIGHT_SIDE: N_("the right side of the car"),
}
# The same items named on their own ("as «the VIN plate»"): said when a photo is refused.
ITEM_NAMES: dict[str, str] = {
    ProofItem.VIN_PLATE: N_("VIN plate"),
    ProofItem.DASHBOARD: N_("dashboard"),
    ProofItem.CAR_AT_LOT: N_("car at the lot"),
    ProofItem.FRONT: N_("front"),
    ProofItem.REAR: N_("rear"),
    ProofItem.LEFT_SIDE: N_("left side"),
    ProofItem.RIGHT_SIDE: N_("right side"),
}
PHOTO_PROMPT = N_("Photo {number} of {total}: send a photo of {item}.")
LOCATION_PROMPT = N_(
    "Photos received. Now share your location with the button below (a live location is welcome)."
)
SHARE_LOCATION = N_("📍 Share my location")


def item_name(item: str, tr: Translator, language: str) -> str:
    msgid = ITEM_NAMES.get(item)
    return tr.get(language, msgid) if msgid else item.replace("_", " ")


async def ask_for_next_proof(context: FerrymanContext, driver: User, step: ProofStep) -> None:
    state = context.state
    tr = state.translator
    chat_id = driver.id
    language = await user_language(state, driver)
    if step.next_item is not None:
        label = CHECKLIST_LABELS.get(step.next_item)
        item = tr.get(language, label) if label else step.next_item.replace("_", " ")
        text = tr.get(
            language, PHOTO_PROMPT, number=step.photos_done + 1, total=step.photos_total, item=item
        )
        await context.bot.send_message(chat_id, text)
        return
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(tr.get(language, SHARE_LOCATION), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await context.bot.send_message(
        chat_id, tr.get(language, LOCATION_PROMPT), reply_markup=keyboard
    )
