"""One way out: everything the bot sends on its own initiative is a row in the outbox.

Rows are written in the transaction of the change that causes them
(``await state.repos.outbox.add(*messages)``) and one paced sender (:mod:`bot.outbox.sender`,
``state.outbox``) delivers them in priority order inside Telegram's limits.
"""

from bot.outbox.model import Method, Outgoing, Priority, QueuedMessage, Status

__all__ = ["Method", "Outgoing", "Priority", "QueuedMessage", "Status"]
