"""Webhook mode: Ferryman's own small HTTP server in front of the Application.

python-telegram-bot's built-in webhook server cannot serve anything but updates, and a
deployment needs ``GET /healthz`` on the same port the reverse proxy already reaches. So this
follows python-telegram-bot's "custom webhook" pattern (examples/customwebhookbot): the server
checks the secret, decodes the update and puts it on ``application.update_queue``.

- ``POST /<path of webhook_url>``: 403 unless ``X-Telegram-Bot-Api-Secret-Token`` matches
  (compared in constant time), 400 for a body that is not an update, else 200 at once.
- ``GET /healthz``: the health report as JSON; 200 when healthy, 503 when not.
"""

from __future__ import annotations

import hmac
import json
import logging
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from bot.config import Settings
from bot.heartbeat import live_report
from bot.state import FerrymanApp

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"
# Telegram's updates are small; a large body is not from Telegram.
MAX_BODY = 1024 * 1024


def webhook_path(settings: Settings) -> str:
    """Serve the path of the public webhook URL, so a proxy can pass requests through as-is."""
    return "/" + (urlsplit(settings.telegram.webhook_url).path.strip("/") or "telegram")


def listen_address(settings: Settings) -> tuple[str, int]:
    host, _, port = settings.telegram.listen.rpartition(":")
    return host, int(port)


class WebhookServer:
    def __init__(self, app: FerrymanApp, settings: Settings) -> None:
        self._app = app
        self._secret = settings.telegram.secret_token.reveal().encode()
        if not self._secret:
            # check-config and run refuse this earlier; never serve an open webhook anyway.
            raise ValueError("webhook mode needs [telegram] secret_token")
        self._host, self._port = listen_address(settings)
        self._path = webhook_path(settings)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        server = web.Application(client_max_size=MAX_BODY)
        server.router.add_post(self._path, self._update)
        server.router.add_get(HEALTH_PATH, self._health)
        # access_log=None: request lines would log the path, and a proxy may add the token.
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        log.info("webhook server listening on %s:%s%s", self._host, self._port, self._path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _update(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook request refused: missing or wrong secret token")
            return web.Response(status=403, text="forbidden")
        try:
            data = await request.json(loads=json.loads)
            update = Update.de_json(data, self._app.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return web.Response(status=400, text="not an update")
        if update is None:
            return web.Response(status=400, text="not an update")
        await self._app.update_queue.put(update)
        return web.Response(text="ok")

    async def _health(self, request: web.Request) -> web.Response:
        report = await live_report(self._app)
        return web.json_response(report.as_dict(), status=200 if report.healthy else 503)
