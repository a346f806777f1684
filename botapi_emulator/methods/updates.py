"""Getting updates: long polling with getUpdates, or webhooks the emulator POSTs to."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from botapi_emulator.errors import ApiError, bad_request
from botapi_emulator.methods.common import Call, method
from botapi_emulator.models import JSON, WebhookConfig

_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _allowed(call: Call) -> list[str] | None:
    value = call.params.json("allowed_updates")
    if value is None:
        return None
    if not isinstance(value, list):
        raise bad_request("can't parse allowed_updates JSON array")
    return [str(kind) for kind in value]


@method("getUpdates")
async def get_updates(call: Call) -> list[JSON]:
    bot = call.bot
    if bot.webhook is not None:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    queue = bot.updates
    queue.set_allowed(_allowed(call))
    offset = call.params.integer("offset")
    if offset:
        queue.confirm(offset)
    limit = min(max(call.params.integer("limit", 100) or 100, 1), 100)
    timeout = max(call.params.integer("timeout", 0) or 0, 0)
    # A newer getUpdates ends an older one still waiting, as Telegram does.
    bot.poll_generation += 1
    generation = bot.poll_generation
    queue.signal.fire()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if bot.poll_generation != generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        updates = queue.take(limit)
        remaining = deadline - loop.time()
        if updates or remaining <= 0 or call.closing.is_set():
            return updates
        await queue.signal.wait(remaining)


@method("setWebhook")
async def set_webhook(call: Call) -> bool:
    url = call.params.text("url") or ""
    if not url:
        return await delete_webhook(call)
    if not url.startswith(("https://", "http://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = call.params.text("secret_token")
    if secret is not None and not _SECRET_RE.fullmatch(secret):
        raise bad_request("bad webhook: Secret token contains unallowed characters")
    bot = call.bot
    bot.updates.set_allowed(_allowed(call))
    if call.params.flag("drop_pending_updates"):
        bot.updates.clear()
    bot.webhook = WebhookConfig(
        url=url,
        secret_token=secret or None,
        max_connections=call.params.integer("max_connections", 40) or 40,
        ip_address=call.params.text("ip_address") or "127.0.0.1",
    )
    # A waiting getUpdates must end now that a webhook is set.
    bot.poll_generation += 1
    bot.updates.signal.fire()
    call.webhooks.start(bot)
    return True


@method("deleteWebhook")
async def delete_webhook(call: Call) -> bool:
    bot = call.bot
    bot.webhook = None
    await call.webhooks.stop(bot)
    if call.params.flag("drop_pending_updates"):
        bot.updates.clear()
    return True


@method("getWebhookInfo")
async def get_webhook_info(call: Call) -> dict[str, Any]:
    bot = call.bot
    hook = bot.webhook
    info: dict[str, Any] = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(bot.updates.pending),
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        info["ip_address"] = hook.ip_address
        if bot.updates.allowed_list:
            info["allowed_updates"] = bot.updates.allowed_list
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
    return info
