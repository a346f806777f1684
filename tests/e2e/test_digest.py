"""The dispatch group gets digests; a digest that fails to send is sent again, not lost."""

from __future__ import annotations

from datetime import date

from bot.jobs import GROUP_DIGEST_JOB
from botapi_emulator import Emulator, Fault
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.helpers import assign, dispatch, receive_assignment, state_of


async def test_failed_digest_is_retried_with_the_same_events(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    group = emulator.group("Dispatch", members=[owner])
    app = await start_ferryman(owners=(owner.id,), group_chat_id=group.id)
    state = state_of(app)
    pan = emulator.user("Pan Guangde", lang="en", started=True)
    driver = await state.repos.drivers.add(
        name="Pan", now=FIXED_NOW, telegram_id=pan.id, passport_expiry=date(2030, 1, 1)
    )
    for vin in ("LGXCE4CB7R0000001", "LRWYGCEK2PC000002"):
        await dispatch(
            app, await assign(app, driver, vin=vin, service_date=FIXED_NOW.date(), now=FIXED_NOW)
        )
        await receive_assignment(pan)
    assert app.job_queue is not None
    (job,) = app.job_queue.get_jobs_by_name(GROUP_DIGEST_JOB)
    emulator.faults.inject(Fault.server_error(), method="sendMessage")
    await job.run(app)
    await group.no_message()
    await job.run(app)
    (digest,) = await group.next_messages(1)
    assert "已派发：2" in (digest.text or "")  # the group reads the company language
    await job.run(app)
    await group.no_message()
