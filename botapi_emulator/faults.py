"""Injected faults: scripted for the next N calls or random with a probability, per method.

``drop`` performs the call (the message is recorded) and then cuts the connection: the
ambiguous case where the bot cannot know whether its message went out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["429", "500", "502", "slow", "drop"]


@dataclass(frozen=True, slots=True)
class Fault:
    kind: FaultKind
    retry_after: int = 1
    delay: float = 0.0

    @classmethod
    def too_many_requests(cls, retry_after: int = 1) -> Fault:
        return cls("429", retry_after=retry_after)

    @classmethod
    def server_error(cls) -> Fault:
        return cls("500")

    @classmethod
    def bad_gateway(cls) -> Fault:
        return cls("502")

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        return cls("slow", delay=seconds)

    @classmethod
    def drop(cls) -> Fault:
        return cls("drop")


@dataclass(slots=True)
class _Rule:
    fault: Fault
    method: str | None
    remaining: int | None  # None: random rule
    probability: float = 1.0

    def matches(self, method: str) -> bool:
        return self.method is None or self.method == method


class Faults:
    def __init__(self, seed: int | None = None) -> None:
        self._rules: list[_Rule] = []
        self._random = random.Random(seed)
        self.injected: list[tuple[str, Fault]] = []

    def inject(self, fault: Fault, times: int = 1, method: str | None = None) -> None:
        """The next ``times`` calls (of ``method``, if given) fail with ``fault``."""
        self._rules.append(_Rule(fault, method.lower() if method else None, times))

    def sometimes(self, fault: Fault, probability: float, method: str | None = None) -> None:
        """Each call (of ``method``) fails with ``fault`` with this probability."""
        self._rules.append(_Rule(fault, method.lower() if method else None, None, probability))

    def seed(self, seed: int) -> None:
        self._random.seed(seed)

    def clear(self) -> None:
        self._rules.clear()

    def pick(self, method: str) -> Fault | None:
        if not self._rules:
            return None
        name = method.lower()
        for rule in self._rules:
            if not rule.matches(name):
                continue
            if rule.remaining is None:
                if self._random.random() < rule.probability:
                    return self._record(name, rule.fault)
                continue
            rule.remaining -= 1
            if rule.remaining <= 0:
                self._rules.remove(rule)
            return self._record(name, rule.fault)
        return None

    def _record(self, method: str, fault: Fault) -> Fault:
        self.injected.append((method, fault))
        return fault
