"""Visa-free day counter for China–Kazakhstan (in force since 10 Nov 2023).

Rules: at most 30 days per stay and 90 days in any 180-day window. Counting convention used
everywhere Ferryman shows a figure: every calendar day in Kazakhstan time (Asia/Almaty) with
any presence in Kazakhstan counts as a whole day. A same-day trip costs one day; two trips on
one day still cost one. A return without a recorded crossing counts its own day (the driver
was evidently there) and is reported as an anomaly so an admin can fix the record. An event
stamped after "now" (a wrong clock, a mistyped correction) has not happened: it is not counted
and is reported as an anomaly.

Over a limit, "must leave by" is the last day of the current stay on which both limits still
held (it can lie before today, or even before the stay began when the window was already full);
every day in Kazakhstan after it is an overstay day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.zones import zone

# From the pinned tzdata package: an old system copy would still say UTC+6.
KAZAKHSTAN_TZ = zone("Asia/Almaty")
# Telegram's clock and ours may disagree by a little: an event this far ahead of "now" is
# still taken as having happened; beyond it, it has not (a wrong clock, a mistyped date).
CLOCK_TOLERANCE = timedelta(minutes=5)
STAY_LIMIT_DAYS = 30
WINDOW_LIMIT_DAYS = 90
WINDOW_DAYS = 180


class BorderEventKind(StrEnum):
    CROSSED = "crossed"  # entered Kazakhstan
    RETURNED = "returned"  # back in China


@dataclass(frozen=True, slots=True)
class BorderEvent:
    kind: BorderEventKind
    at: datetime  # timezone-aware


class AnomalyKind(StrEnum):
    RETURN_WITHOUT_CROSSING = "return_without_crossing"
    CROSSING_WHILE_IN_KAZAKHSTAN = "crossing_while_in_kazakhstan"
    IN_THE_FUTURE = "in_the_future"  # stamped after "now": not counted


@dataclass(frozen=True, slots=True)
class Anomaly:
    """A border record an admin should look at; ``day`` is its Kazakhstan calendar day."""

    kind: AnomalyKind
    day: date
    event: BorderEventKind

    def __str__(self) -> str:  # for logs; screens translate ``kind``
        return {
            AnomalyKind.RETURN_WITHOUT_CROSSING: "return on {day} without a recorded crossing",
            AnomalyKind.CROSSING_WHILE_IN_KAZAKHSTAN: (
                "crossing on {day} while already in Kazakhstan"
            ),
            AnomalyKind.IN_THE_FUTURE: "{event} stamped {day}, after now: not counted",
        }[self.kind].format(day=self.day.isoformat(), event=self.event.value)


@dataclass(frozen=True, slots=True)
class VisaStatus:
    today: date
    in_kazakhstan: bool
    stay_started: date | None
    stay_days: int
    window_days: int
    must_leave_by: date | None
    # Days of the current stay spent in Kazakhstan after ``must_leave_by`` (today included).
    overstay_days: int = 0
    anomalies: tuple[Anomaly, ...] = field(default=())

    @property
    def stay_days_left(self) -> int:
        return max(0, STAY_LIMIT_DAYS - self.stay_days)

    @property
    def window_days_left(self) -> int:
        return max(0, WINDOW_LIMIT_DAYS - self.window_days)

    @property
    def stay_days_over(self) -> int:
        return max(0, self.stay_days - STAY_LIMIT_DAYS)

    @property
    def window_days_over(self) -> int:
        return max(0, self.window_days - WINDOW_LIMIT_DAYS)

    @property
    def over_limit(self) -> bool:
        return self.stay_days > STAY_LIMIT_DAYS or self.window_days > WINDOW_LIMIT_DAYS


def _local_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        raise ValueError("border event times must be timezone-aware")
    return moment.astimezone(KAZAKHSTAN_TZ).date()


def _days(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def visa_status(events: Iterable[BorderEvent], now: datetime) -> VisaStatus:
    today = _local_day(now)
    present: set[date] = set()
    anomalies: list[Anomaly] = []
    stay_start: date | None = None
    for event in sorted(events, key=lambda e: e.at):
        day = _local_day(event.at)
        if event.at > now + CLOCK_TOLERANCE:
            anomalies.append(Anomaly(AnomalyKind.IN_THE_FUTURE, day, event.kind))
            continue
        if event.kind is BorderEventKind.CROSSED:
            if stay_start is None:
                stay_start = day
            else:
                kind = AnomalyKind.CROSSING_WHILE_IN_KAZAKHSTAN
                anomalies.append(Anomaly(kind, day, event.kind))
        elif stay_start is None:
            anomalies.append(Anomaly(AnomalyKind.RETURN_WITHOUT_CROSSING, day, event.kind))
            present.add(day)
        else:
            present.update(_days(stay_start, day))
            stay_start = None
    in_kazakhstan = stay_start is not None
    if stay_start is not None:
        present.update(_days(stay_start, max(stay_start, today)))

    window_start = today - timedelta(days=WINDOW_DAYS - 1)
    window_days = sum(1 for d in present if window_start <= d <= today)
    stay_days = (today - stay_start).days + 1 if stay_start is not None else 0
    must_leave_by = (
        _last_permitted_day(present, stay_start, today) if stay_start is not None else None
    )
    overstay_days = max(0, (today - must_leave_by).days) if must_leave_by is not None else 0
    return VisaStatus(
        today=today,
        in_kazakhstan=in_kazakhstan,
        stay_started=stay_start,
        stay_days=stay_days,
        window_days=window_days,
        must_leave_by=must_leave_by,
        overstay_days=overstay_days,
        anomalies=tuple(anomalies),
    )


def _last_permitted_day(present: set[date], stay_start: date, today: date) -> date:
    """Last day the driver may be in Kazakhstan on the current stay.

    Walks the stay from its first day: the day before the first one that breaks a limit is
    the answer, even when that is already past (over the limit) or before the stay began (the
    180-day window was full on arrival).
    """
    last = stay_start + timedelta(days=STAY_LIMIT_DAYS - 1)
    projected = {d for d in present if d < stay_start}
    day = stay_start
    while day <= max(last, today):
        projected.add(day)
        window_start = day - timedelta(days=WINDOW_DAYS - 1)
        if day > last or sum(1 for d in projected if d >= window_start) > WINDOW_LIMIT_DAYS:
            return day - timedelta(days=1)
        day += timedelta(days=1)
    return last
