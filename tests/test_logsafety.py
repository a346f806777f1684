from __future__ import annotations

import logging

import pytest

from bot.logsafety import SecretRedactor

TOKEN = "5000000001:AAEmulatorFerrymanTestToken_0000001"


def test_secrets_are_masked_in_messages_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("ferryman.test.redaction")
    caplog.handler.addFilter(SecretRedactor([TOKEN, "signing-key-0123456789"]))
    try:
        logger.warning("calling https://api.telegram.org/bot%s/getMe", TOKEN)
        try:
            raise RuntimeError(f"connection to /bot{TOKEN}/getUpdates failed")
        except RuntimeError:
            logger.exception("polling failed with signing-key-0123456789")
    finally:
        caplog.handler.filters.clear()
    text = caplog.text
    assert TOKEN not in text and "signing-key-0123456789" not in text
    assert "bot***/getMe" in text and "/bot***/getUpdates failed" in text
