"""Placeholder until the clearance work lands its /verify and /qrsheet handlers."""

from __future__ import annotations

from bot.state import FerrymanApp


def register(app: FerrymanApp) -> None:
    return None
