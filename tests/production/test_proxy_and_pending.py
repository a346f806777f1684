"""[telegram] proxy carries every Bot API call; drop_pending_updates forgets the backlog."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from botapi_emulator import Emulator
from tests.conftest import StartFerryman


class ForwardProxy:
    """The smallest HTTP forward proxy: absolute-form requests passed on, each one counted."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> None:
        server = web.Application(client_max_size=64 * 1024 * 1024)
        server.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self._session = aiohttp.ClientSession(auto_decompress=False)

    async def stop(self) -> None:
        if self._session:
            await self._session.close()
        if self._runner:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        target = str(request.url)  # absolute-form: the proxy is told the whole URL
        self.seen.append(target.rsplit("/", 1)[-1])
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host",)}
        async with self._session.request(
            request.method, target, headers=headers, data=await request.read()
        ) as upstream:
            body = await upstream.read()
            return web.Response(
                status=upstream.status,
                body=body,
                content_type=upstream.content_type,
            )


@pytest.fixture
async def proxy() -> AsyncIterator[ForwardProxy]:
    forward = ForwardProxy()
    await forward.start()
    try:
        yield forward
    finally:
        await forward.stop()


async def test_every_call_goes_through_the_proxy(
    emulator: Emulator, start_ferryman: StartFerryman, proxy: ForwardProxy
) -> None:
    await start_ferryman(extra={"telegram": {"proxy": proxy.url}})
    pan = emulator.user("Pan Guangde", lang="en")
    await pan.send("/start")
    assert "Horgos Auto Export" in ((await pan.next_message()).text or "")
    assert {"getMe", "getUpdates", "sendMessage"} <= set(proxy.seen)
    direct = {call.method for call in emulator.calls} - {"getMe"}
    assert direct  # the emulator saw them all, every one of them relayed
    assert proxy.seen.count("sendMessage") == len(emulator.calls_to("sendMessage"))


@pytest.mark.parametrize("drop", [True, False])
async def test_pending_updates_are_dropped_only_when_asked(
    emulator: Emulator, start_ferryman: StartFerryman, drop: bool
) -> None:
    pan = emulator.user("Pan Guangde", lang="en")
    await pan.send("/start")  # sent while the bot was down
    await start_ferryman(extra={"telegram": {"drop_pending_updates": drop}})
    if drop:
        await pan.no_message(within=1.0)
    else:
        assert "Horgos Auto Export" in ((await pan.next_message()).text or "")
