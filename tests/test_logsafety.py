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


def test_the_terminal_stream_masks_secrets_written_in_pieces() -> None:
    import io
    import traceback
    import warnings

    from bot.logsafety import _SECRETS, RedactingStream

    _SECRETS.add([TOKEN])
    inner = io.StringIO()
    stream = RedactingStream(inner)
    stream.write(f"calling /bot{TOKEN[:10]}")  # a fragment: held until the line ends
    stream.write(f"{TOKEN[10:]}/getMe\n")
    # What warnings.showwarning writes to sys.stderr (pytest replaces showwarning itself).
    warning = UserWarning(f"token {TOKEN} in a warning")
    stream.write(warnings.formatwarning(warning, UserWarning, "x.py", 1))
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError:
        traceback.print_exc(file=stream)
    stream.flush()
    text = inner.getvalue()
    assert TOKEN not in text
    assert "calling /bot***/getMe" in text and "The token `***` was rejected" in text
