"""Bot API methods by name; importing the modules registers them."""

from botapi_emulator.methods import bot, messages, updates
from botapi_emulator.methods.common import METHODS, Call

__all__ = ["METHODS", "Call", "bot", "messages", "updates"]
