"""A local Telegram Bot API server for tests, the offline demo and benchmarks.

python-telegram-bot talks to it over real HTTP exactly as it talks to Telegram; emulated users
and groups act on the other side. See :class:`Emulator` and :mod:`botapi_emulator.client`.
"""

from botapi_emulator.client import ChatMessage, EmulatedGroup, EmulatedUser, LiveLocation, Press
from botapi_emulator.emulator import DEFAULT_TOKEN, Emulator
from botapi_emulator.faults import Fault
from botapi_emulator.files import sample_image
from botapi_emulator.flood import FloodLimits
from botapi_emulator.server import CallRecord

__all__ = [
    "DEFAULT_TOKEN",
    "CallRecord",
    "ChatMessage",
    "EmulatedGroup",
    "EmulatedUser",
    "Emulator",
    "Fault",
    "FloodLimits",
    "LiveLocation",
    "Press",
    "sample_image",
]
