"""The HTTP side: routes, reading requests, faults, dispatch to methods, the call log."""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from botapi_emulator.errors import ApiError
from botapi_emulator.faults import Fault, Faults
from botapi_emulator.flood import FloodControl
from botapi_emulator.methods import METHODS, Call
from botapi_emulator.params import Params, read_params
from botapi_emulator.webhook import WebhookDelivery
from botapi_emulator.world import World

log = logging.getLogger(__name__)

MAX_UPLOAD = 60 * 1024 * 1024  # Telegram takes 50 MB from bots; room for multipart overhead
_BAD_GATEWAY = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass(slots=True)
class CallRecord:
    """One Bot API call as the emulator saw it."""

    method: str
    bot_id: int | None
    params: dict[str, Any]
    status: int
    result: Any
    description: str | None
    fault: str | None
    started: float  # time.monotonic()
    finished: float

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.fault != "drop"

    def __str__(self) -> str:
        outcome = "ok" if self.status == 200 else f"{self.status} {self.description}"
        if self.fault:
            outcome += f" [fault {self.fault}]"
        return f"{self.method}({self.params}) -> {outcome}"


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        status=status,
        content_type="application/json",
    )


class ApiServer:
    def __init__(
        self,
        world: World,
        flood: FloodControl,
        faults: Faults,
        webhooks: WebhookDelivery,
        log_limit: int | None = 100_000,
    ) -> None:
        self.world = world
        self.flood = flood
        self.faults = faults
        self.webhooks = webhooks
        self.calls: deque[CallRecord] = deque(maxlen=log_limit)
        self.closing = asyncio.Event()
        self.watchers: list[Callable[[CallRecord], None]] = []

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self.handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self.handle_file)
        return app

    async def handle_method(self, request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        name = request.match_info["method"]
        bot = self.world.bots.get(request.match_info["token"])
        params = Params({})
        fault: Fault | None = None
        result: Any = None
        try:
            if bot is None:
                raise ApiError(401, "Unauthorized")
            handler = METHODS.get(name.lower())
            if handler is None:
                raise ApiError(404, "Not Found")
            params = await read_params(request)
            fault = self.faults.pick(name)
            if fault is not None:
                await self._early_fault(fault)
            call = Call(
                self.world, bot, params, self.flood, self.webhooks, self.closing, name.lower()
            )
            result = await handler(call)
        except ApiError as error:
            self._record(name, bot, params, error.code, None, error.description, fault, started)
            return _json(error.payload(), error.code)
        except _BadGateway:
            self._record(name, bot, params, 502, None, "Bad Gateway", fault, started)
            return web.Response(status=502, text=_BAD_GATEWAY, content_type="text/html")
        self._record(name, bot, params, 200, result, None, fault, started)
        if fault is not None and fault.kind == "drop":
            # Done and recorded, but the client never hears back: the ambiguous failure.
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        return _json({"ok": True, "result": result})

    async def _early_fault(self, fault: Fault) -> None:
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
        elif fault.kind == "429":
            raise ApiError(
                429,
                f"Too Many Requests: retry after {fault.retry_after}",
                retry_after=fault.retry_after,
            )
        elif fault.kind == "500":
            raise ApiError(500, "Internal Server Error")
        elif fault.kind == "502":
            raise _BadGateway

    def _record(
        self,
        name: str,
        bot: Any,
        params: Params,
        status: int,
        result: Any,
        description: str | None,
        fault: Fault | None,
        started: float,
    ) -> None:
        record = CallRecord(
            method=name,
            bot_id=bot.id if bot is not None else None,
            params=params.summary(),
            status=status,
            result=result,
            description=description,
            fault=fault.kind if fault is not None else None,
            started=started,
            finished=time.monotonic(),
        )
        self.calls.append(record)
        for watcher in self.watchers:
            watcher(record)

    async def handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] not in self.world.bots:
            return _json(ApiError(401, "Unauthorized").payload(), 401)
        stored = self.world.files.by_path.get(request.match_info["path"])
        if stored is None:
            return _json(ApiError(404, "Not Found").payload(), 404)
        content_type = mimetypes.guess_type(stored.file_path)[0] or "application/octet-stream"
        return web.Response(body=stored.data, content_type=content_type)


class _BadGateway(Exception):
    """The 502 a proxy in front of the Bot API answers with: HTML, not JSON."""
