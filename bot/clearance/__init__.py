"""Clearance codes: signed tokens, QR images, verification, the printable sheet."""

from bot.clearance.service import ClearanceService

__all__ = ["ClearanceService"]
