"""The visa-free day counter: 30 days per stay, 90 in any 180, whole Kazakhstan calendar days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.visa import (
    KAZAKHSTAN_TZ,
    AnomalyKind,
    BorderEvent,
    BorderEventKind,
    VisaStatus,
    visa_status,
)

ALMATY = ZoneInfo("Asia/Almaty")
BEIJING = ZoneInfo("Asia/Shanghai")


def kz(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ALMATY)


def crossed(at: datetime) -> BorderEvent:
    return BorderEvent(BorderEventKind.CROSSED, at)


def returned(at: datetime) -> BorderEvent:
    return BorderEvent(BorderEventKind.RETURNED, at)


def day_trip(day: date) -> list[BorderEvent]:
    return [crossed(kz(day, 9)), returned(kz(day, 17))]


def day_trips(first: date, count: int) -> list[BorderEvent]:
    return [e for n in range(count) for e in day_trip(first + timedelta(days=n))]


def test_kazakhstan_is_utc_plus_5() -> None:
    # tzdata ≥ 2024a: Asia/Almaty moved from UTC+6 to UTC+5 on 1 March 2024.
    assert KAZAKHSTAN_TZ.key == "Asia/Almaty"
    assert datetime(2024, 6, 1, tzinfo=KAZAKHSTAN_TZ).utcoffset() == timedelta(hours=5)


def test_no_events() -> None:
    status = visa_status([], kz(date(2024, 6, 1)))
    assert status == VisaStatus(
        today=date(2024, 6, 1),
        in_kazakhstan=False,
        stay_started=None,
        stay_days=0,
        window_days=0,
        must_leave_by=None,
    )
    assert status.window_days_left == 90
    assert status.stay_days_left == 30
    assert not status.over_limit


def test_same_day_trip_counts_one_day() -> None:
    status = visa_status(day_trip(date(2024, 6, 1)), kz(date(2024, 6, 2)))
    assert status.window_days == 1
    assert not status.in_kazakhstan
    assert status.stay_days == 0
    assert status.must_leave_by is None
    assert status.anomalies == ()


def test_two_trips_on_one_day_count_once() -> None:
    day = date(2024, 6, 1)
    events = [
        crossed(kz(day, 8)),
        returned(kz(day, 11)),
        crossed(kz(day, 13)),
        returned(kz(day, 17)),
    ]
    assert visa_status(events, kz(day, 20)).window_days == 1


def test_events_are_counted_in_time_order_whatever_the_input_order() -> None:
    events = day_trip(date(2024, 6, 1)) + day_trip(date(2024, 6, 3))
    status = visa_status(list(reversed(events)), kz(date(2024, 6, 4)))
    assert status.window_days == 2
    assert status.anomalies == ()


def test_stay_across_midnight_counts_two_days() -> None:
    events = [crossed(kz(date(2024, 6, 1), 22)), returned(kz(date(2024, 6, 2), 2))]
    assert visa_status(events, kz(date(2024, 6, 3))).window_days == 2


def test_multi_day_stay_counts_every_day() -> None:
    events = [crossed(kz(date(2024, 6, 1), 10)), returned(kz(date(2024, 6, 10), 10))]
    assert visa_status(events, kz(date(2024, 6, 11))).window_days == 10


def test_180_day_window_boundary() -> None:
    trip_day = date(2024, 6, 1)
    events = day_trip(trip_day)
    # The window is today and the 179 days before it: day 180 still counts ...
    last_counted = trip_day + timedelta(days=179)
    assert last_counted == date(2024, 11, 27)
    assert visa_status(events, kz(last_counted, 23, 59)).window_days == 1
    # ... and on day 181 the trip falls out.
    assert visa_status(events, kz(last_counted + timedelta(days=1), 0, 1)).window_days == 0


def test_leap_day_is_a_day() -> None:
    events = [crossed(kz(date(2028, 2, 28), 10)), returned(kz(date(2028, 3, 1), 10))]
    assert visa_status(events, kz(date(2028, 3, 2))).window_days == 3  # 28, 29 Feb, 1 Mar


def test_thirty_day_limit_across_a_leap_day() -> None:
    # 15..29 Feb 2028 (15 days) + 1..15 Mar (15 days) = 30 days.
    status = visa_status([crossed(kz(date(2028, 2, 15), 10))], kz(date(2028, 2, 20)))
    assert status.must_leave_by == date(2028, 3, 15)
    # Without the leap day the 30th day is 16 March.
    status = visa_status([crossed(kz(date(2027, 2, 15), 10))], kz(date(2027, 2, 20)))
    assert status.must_leave_by == date(2027, 3, 16)


def test_return_without_a_crossing_counts_its_day_and_is_an_anomaly() -> None:
    events = [returned(kz(date(2024, 6, 5), 10))]
    status = visa_status(events, kz(date(2024, 6, 6)))
    assert status.window_days == 1
    assert not status.in_kazakhstan
    assert len(status.anomalies) == 1
    assert "2024-06-05" in str(status.anomalies[0])
    assert "without a recorded crossing" in str(status.anomalies[0])


def test_second_crossing_without_return_is_an_anomaly_and_keeps_the_stay() -> None:
    events = [crossed(kz(date(2024, 6, 1), 10)), crossed(kz(date(2024, 6, 3), 10))]
    status = visa_status(events, kz(date(2024, 6, 4)))
    assert status.stay_started == date(2024, 6, 1)
    assert status.stay_days == 4
    assert len(status.anomalies) == 1
    assert "2024-06-03" in str(status.anomalies[0])


def test_utc_evening_is_the_next_day_in_kazakhstan() -> None:
    # 19:30 UTC on 1 June is 00:30 on 2 June in Almaty: the trip is on 2 June only.
    events = [
        crossed(datetime(2024, 6, 1, 19, 30, tzinfo=UTC)),
        returned(datetime(2024, 6, 2, 18, 0, tzinfo=UTC)),  # 23:00 in Almaty
    ]
    status = visa_status(events, datetime(2024, 6, 2, 18, 30, tzinfo=UTC))
    assert status.window_days == 1
    assert status.today == date(2024, 6, 2)


def test_utc_times_either_side_of_kazakhstan_midnight() -> None:
    # 18:59 UTC is 23:59 in Almaty (UTC+5), 19:00 UTC is already the next day there.
    before = visa_status([crossed(datetime(2024, 6, 1, 18, 59, tzinfo=UTC))], kz(date(2024, 6, 3)))
    after = visa_status([crossed(datetime(2024, 6, 1, 19, 0, tzinfo=UTC))], kz(date(2024, 6, 3)))
    assert before.stay_started == date(2024, 6, 1)
    assert after.stay_started == date(2024, 6, 2)
    assert (before.stay_days, after.stay_days) == (3, 2)


def test_at_1830_utc_it_is_still_the_same_day_in_kazakhstan() -> None:
    # Under the old UTC+6 this would be 00:30 next day; since March 2024 it is 23:30.
    status = visa_status(
        [crossed(datetime(2024, 6, 1, 18, 30, tzinfo=UTC))], kz(date(2024, 6, 1), 23, 45)
    )
    assert status.stay_started == date(2024, 6, 1)


def test_beijing_time_input_is_converted_to_kazakhstan_days() -> None:
    # 01:00 on 2 June in Beijing (UTC+8) is 22:00 on 1 June in Almaty.
    events = [
        crossed(datetime(2024, 6, 2, 1, 0, tzinfo=BEIJING)),
        returned(datetime(2024, 6, 2, 3, 30, tzinfo=BEIJING)),  # 00:30 on 2 June in Almaty
    ]
    assert visa_status(events, kz(date(2024, 6, 3))).window_days == 2


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        visa_status([crossed(datetime(2024, 6, 1, 10))], kz(date(2024, 6, 2)))
    with pytest.raises(ValueError, match="timezone-aware"):
        visa_status([], datetime(2024, 6, 2, 10))


def test_current_stay() -> None:
    status = visa_status([crossed(kz(date(2024, 6, 1), 10))], kz(date(2024, 6, 10), 8))
    assert status.in_kazakhstan
    assert status.stay_started == date(2024, 6, 1)
    assert status.stay_days == 10
    assert status.stay_days_left == 20
    assert status.window_days == 10
    assert status.window_days_left == 80


def test_must_leave_by_from_the_30_day_stay_limit() -> None:
    status = visa_status([crossed(kz(date(2024, 6, 1), 10))], kz(date(2024, 6, 10)))
    assert status.must_leave_by == date(2024, 6, 30)  # 1..30 June is 30 days


def test_must_leave_by_from_the_90_in_180_limit() -> None:
    # 85 day trips from 1 March to 24 May, then a stay from 1 June: 86 days used on 1 June,
    # 90 on 5 June, the 91st would be 6 June. Nothing drops out of the window before then.
    events = [*day_trips(date(2024, 3, 1), 85), crossed(kz(date(2024, 6, 1), 10))]
    status = visa_status(events, kz(date(2024, 6, 1), 15))
    assert status.window_days == 86
    assert status.window_days_left == 4
    assert status.must_leave_by == date(2024, 6, 5)
    assert not status.over_limit


def test_must_leave_by_follows_the_sliding_window() -> None:
    # 89 days used from 5 January to 2 April 2024 (a leap year). On 1 July the window starts
    # on 4 January; on 2 July it starts on 5 January, so a stay from 1 July hits 91 days on
    # 2 July. A stay from 2 July stays at 90 as the oldest days drop out, so the 30-day stay
    # limit decides instead.
    history = day_trips(date(2024, 1, 5), 89)
    assert history[-1].at.date() == date(2024, 4, 2)

    from_1_july = visa_status([*history, crossed(kz(date(2024, 7, 1), 10))], kz(date(2024, 7, 1)))
    assert from_1_july.window_days == 90
    assert from_1_july.must_leave_by == date(2024, 7, 1)

    from_2_july = visa_status([*history, crossed(kz(date(2024, 7, 2), 10))], kz(date(2024, 7, 2)))
    assert from_2_july.window_days == 90
    assert from_2_july.must_leave_by == date(2024, 7, 31)


def test_must_leave_by_lies_in_the_past_once_over_the_limit() -> None:
    status = visa_status([crossed(kz(date(2024, 6, 1), 10))], kz(date(2024, 7, 3)))
    assert status.stay_days == 33
    assert status.must_leave_by == date(2024, 6, 30)
    assert status.over_limit


def test_crossing_with_the_window_already_used_up() -> None:
    # 90 days used in the window, then one more crossing: over the limit on arrival, and the
    # last permitted day was yesterday.
    events = [*day_trips(date(2024, 3, 1), 90), crossed(kz(date(2024, 6, 1), 10))]
    status = visa_status(events, kz(date(2024, 6, 1), 12))
    assert status.window_days == 91
    assert status.over_limit
    assert status.must_leave_by == date(2024, 5, 31)


def test_over_limit_by_stay_length() -> None:
    events = [crossed(kz(date(2024, 6, 1), 10))]
    on_day_30 = visa_status(events, kz(date(2024, 6, 30)))
    assert on_day_30.stay_days == 30
    assert on_day_30.stay_days_left == 0
    assert not on_day_30.over_limit
    on_day_31 = visa_status(events, kz(date(2024, 7, 1)))
    assert on_day_31.stay_days == 31
    assert on_day_31.over_limit


def test_daily_crossing_reaches_the_90_day_limit_in_three_months() -> None:
    first = date(2024, 4, 1)
    ninety = visa_status(day_trips(first, 90), kz(first + timedelta(days=89), 20))
    assert ninety.window_days == 90
    assert ninety.window_days_left == 0
    assert not ninety.over_limit
    ninety_one = visa_status(day_trips(first, 91), kz(first + timedelta(days=90), 20))
    assert ninety_one.window_days == 91
    assert ninety_one.over_limit
    assert not ninety_one.in_kazakhstan


# --- over the limit: the real last day and the overstay ------------------------------------


def test_over_the_90_day_limit_must_leave_by_is_the_last_day_within_it() -> None:
    events = [
        crossed(kz(date(2025, 1, 1))),
        returned(kz(date(2025, 3, 26))),
        crossed(kz(date(2025, 4, 1))),
    ]
    status = visa_status(events, kz(date(2025, 4, 10)))
    assert status.window_days == 95
    # 85 days before this stay: 1 to 5 April make 90, the 6th is the first one over.
    assert status.must_leave_by == date(2025, 4, 5)
    assert status.overstay_days == 5
    assert status.window_days_over == 5
    assert status.window_days_left == 0
    assert status.over_limit


def test_over_the_30_day_stay_limit_counts_the_days_over() -> None:
    status = visa_status([crossed(kz(date(2024, 6, 1)))], kz(date(2024, 7, 3)))
    assert status.stay_days == 33
    assert status.must_leave_by == date(2024, 6, 30)
    assert status.overstay_days == 3
    assert status.stay_days_over == 3


def test_arriving_with_a_full_window_leaves_no_permitted_day_in_the_stay() -> None:
    events = [*day_trips(date(2024, 1, 1), 90), crossed(kz(date(2024, 4, 10)))]
    status = visa_status(events, kz(date(2024, 4, 11)))
    assert status.window_days == 92
    assert status.must_leave_by == date(2024, 4, 9)  # the day before this stay began
    assert status.overstay_days == 2


def test_within_the_limits_there_is_no_overstay() -> None:
    status = visa_status([crossed(kz(date(2024, 6, 1)))], kz(date(2024, 6, 30)))
    assert status.must_leave_by == date(2024, 6, 30)
    assert status.overstay_days == 0
    assert not status.over_limit


# --- events after "now" ----------------------------------------------------------------------


def test_a_return_stamped_in_the_future_is_not_counted_and_is_an_anomaly() -> None:
    now = kz(date(2024, 6, 5), 12)
    events = [crossed(kz(date(2024, 6, 1))), returned(kz(date(2024, 6, 9)))]
    status = visa_status(events, now)
    assert status.in_kazakhstan
    assert status.stay_days == 5
    assert status.window_days == 5
    assert status.must_leave_by == date(2024, 6, 30)
    assert len(status.anomalies) == 1
    assert "returned" in str(status.anomalies[0]) and "after now" in str(status.anomalies[0])
    assert status.anomalies[0].kind is AnomalyKind.IN_THE_FUTURE
    assert status.anomalies[0].day == date(2024, 6, 9)


def test_a_crossing_later_today_has_not_happened_yet() -> None:
    now = kz(date(2024, 6, 5), 12)
    status = visa_status([crossed(kz(date(2024, 6, 5), 18))], now)
    assert not status.in_kazakhstan
    assert status.window_days == 0
    assert status.anomalies
