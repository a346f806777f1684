"""The emulator as tests, the demo and benchmarks use it: start, add people, read the log."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType

from aiohttp import web

from botapi_emulator.client import EmulatedGroup, EmulatedUser
from botapi_emulator.faults import Faults
from botapi_emulator.flood import FloodControl, FloodLimits
from botapi_emulator.models import BotState
from botapi_emulator.server import ApiServer, CallRecord
from botapi_emulator.webhook import WebhookDelivery
from botapi_emulator.world import Now, World

# Shaped like a real token (digits, colon, 35 characters); the digits are the bot's user id.
DEFAULT_TOKEN = "5000000001:AAEmulatorFerrymanTestToken_0000001"


class Emulator:
    """A Bot API server on aiohttp with emulated users, chats, limits and faults.

    ``flood`` is True (Telegram's limits), False (off) or a :class:`FloodLimits`.
    ``clock`` gives message dates (defaults to real time); rate limits always use real time.
    """

    def __init__(
        self,
        tokens: Sequence[str] = (DEFAULT_TOKEN,),
        *,
        flood: FloodLimits | bool = True,
        clock: Now | None = None,
        bot_name: str = "Ferryman",
        bot_username: str = "ferryman_bot",
        privacy: bool = True,
        log_limit: int | None = 100_000,
        seed: int | None = None,
    ) -> None:
        if not tokens:
            raise ValueError("the emulator needs at least one bot token")
        limits = flood if isinstance(flood, FloodLimits) else FloodLimits(enabled=flood)
        self.world = World(clock)
        for index, token in enumerate(tokens):
            suffix = "" if index == 0 else f"_{index + 1}"
            name = bot_username.removesuffix("_bot") + suffix + "_bot"
            self.world.add_bot(token, bot_name, name).privacy = privacy
        self.flood = FloodControl(limits)
        self.faults = Faults(seed)
        self.webhooks = WebhookDelivery(self.world)
        self.server = ApiServer(self.world, self.flood, self.faults, self.webhooks, log_limit)
        self.host = "127.0.0.1"
        self.port = 0
        self._runner: web.AppRunner | None = None

    # --- life cycle ------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            self.host, self.port = host, sock.getsockname()[1]
            # handler_cancellation: a long poll whose client went away must not linger.
            runner = web.AppRunner(
                self.server.application(),
                handler_cancellation=True,
                access_log=None,
                shutdown_timeout=1.0,
            )
            await runner.setup()
            await web.SockSite(runner, sock).start()
        except BaseException:
            sock.close()
            raise
        self._runner = runner

    async def stop(self) -> None:
        self.server.closing.set()
        for bot in self.world.bots.values():
            bot.updates.signal.fire()
        await self.webhooks.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        if self._runner is None:
            await self.start(self.host, self.port)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- where the bot connects ----------------------------------------------------------

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        """For ``[telegram] api_base_url`` / ``ApplicationBuilder.base_url``."""
        return f"{self.url}/bot"

    @property
    def api_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def bot(self) -> BotState:
        """The first (default) bot."""
        return next(iter(self.world.bots.values()))

    @property
    def token(self) -> str:
        return self.bot.token

    def bot_state(self, token: str | None = None) -> BotState:
        return self.bot if token is None else self.world.bots[token]

    # --- people and chats ------------------------------------------------------------------

    def user(
        self,
        name: str,
        *,
        lang: str | None = "en",
        username: str | None = None,
        phone: str | None = None,
        started: bool = False,
        user_id: int | None = None,
        bot: str | None = None,
    ) -> EmulatedUser:
        """A person; ``name`` is "First Last". ``started``: as if they had pressed Start."""
        first, _, last = name.partition(" ")
        user = self.world.add_user(
            first,
            last or None,
            username=username,
            language_code=lang,
            phone_number=phone,
            user_id=user_id,
        )
        state = self.bot_state(bot)
        if started:
            state.started.add(user.id)
        return EmulatedUser(self, state, user)

    def group(
        self,
        title: str,
        members: Iterable[EmulatedUser] = (),
        *,
        supergroup: bool = False,
        username: str | None = None,
        admins: Iterable[EmulatedUser] = (),
        with_bot: bool = True,
        bot: str | None = None,
    ) -> EmulatedGroup:
        """A group (or supergroup) with these members; the bot is added by the first admin."""
        people = list(members)
        admin_list = list(admins) or people[:1]
        chat = self.world.add_group(title, supergroup=supergroup, username=username)
        for person in [*people, *admin_list]:
            chat.members.add(person.id)
        chat.admins.update(person.id for person in admin_list)
        group = EmulatedGroup(self, self.bot_state(bot), chat)
        if with_bot:
            if not admin_list:
                raise ValueError("someone has to add the bot: give members or admins")
            self.world.add_bot_to_group(chat, group.bot, admin_list[0].user)
        return group

    # --- observing -------------------------------------------------------------------------

    @property
    def calls(self) -> list[CallRecord]:
        """Every Bot API call so far (the most recent ``log_limit``), oldest first."""
        return list(self.server.calls)

    def watch(self, watcher: Callable[[CallRecord], None]) -> None:
        """Call ``watcher`` with each call as it is recorded, before the bot hears the answer.

        Benchmarks time the bot's answers this way without polling the log.
        """
        self.server.watchers.append(watcher)

    def calls_to(self, method: str) -> list[CallRecord]:
        name = method.lower()
        return [call for call in self.server.calls if call.method.lower() == name]

    def describe_calls(self, last: int = 10) -> str:
        return "\n".join(str(call) for call in list(self.server.calls)[-last:])

    async def drained(self, within: float = 20.0, token: str | None = None) -> None:
        """Wait until the bot has taken every pending update (polling or webhook)."""
        state = self.bot_state(token)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while state.updates.pending:
            if loop.time() > deadline:
                raise TimeoutError(
                    f"{len(state.updates.pending)} updates still pending after {within}s"
                )
            await asyncio.sleep(0.01)
