"""Webhook delivery: POST each pending update, in order, until the bot's server takes it.

One task per bot sends updates one at a time, which keeps them in order; a refusal or a
connection error is recorded for getWebhookInfo and retried with a short backoff (Telegram
backs off for minutes, tests cannot wait that long).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import aiohttp

from botapi_emulator.models import BotState, WebhookConfig
from botapi_emulator.world import World

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_FIRST_BACKOFF = 0.05
_MAX_BACKOFF = 1.0


class WebhookDelivery:
    def __init__(self, world: World, timeout: float = 10.0) -> None:
        self.world = world
        self.timeout = timeout
        self.delivered = 0
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None

    def start(self, bot: BotState) -> None:
        task = self._tasks.get(bot.token)
        if task is None or task.done():
            self._tasks[bot.token] = asyncio.create_task(self._run(bot), name=f"webhook-{bot.id}")

    async def stop(self, bot: BotState) -> None:
        task = self._tasks.pop(bot.token, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def close(self) -> None:
        for token in list(self._tasks):
            await self.stop(self.world.bots[token])
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout)
            )
        return self._session

    async def _run(self, bot: BotState) -> None:
        backoff = _FIRST_BACKOFF
        while bot.webhook is not None:
            hook = bot.webhook
            pending = bot.updates.take(1)
            if not pending:
                await bot.updates.signal.wait(None)
                continue
            update = pending[0]
            error = await self._post(hook, update)
            if bot.webhook is not hook:
                continue
            if error is None:
                bot.updates.confirm(update["update_id"] + 1)
                self.delivered += 1
                backoff = _FIRST_BACKOFF
                continue
            hook.last_error_date = self.world.timestamp()
            hook.last_error_message = error
            log.debug("webhook %s: %s", hook.url, error)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF)

    async def _post(self, hook: WebhookConfig, update: dict[str, object]) -> str | None:
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers[SECRET_HEADER] = hook.secret_token
        try:
            async with self._client().post(
                hook.url, data=json.dumps(update), headers=headers
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"Connection failed: {exc.__class__.__name__}"
