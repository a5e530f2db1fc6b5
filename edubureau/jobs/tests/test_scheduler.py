from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django_tasks import task

from edubureau.jobs import scheduler
from edubureau.jobs.models import RecurringJobRun
from edubureau.jobs.scheduler import JobRegistry, RecurringJob, registry, run_due_jobs

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALLS: list[str] = []


@task()
def record_call() -> None:
    CALLS.append("task")


def plain_job() -> None:
    CALLS.append("plain")


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()
    yield
    CALLS.clear()


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


def hourly_registry() -> JobRegistry:
    jobs = JobRegistry()
    jobs.recurring(name="test.hourly", every=dt.timedelta(hours=1))(record_call)
    return jobs


def test_it_aligns_every_slots_to_local_midnight_and_daily_slots_to_the_time():
    hourly = RecurringJob(name="h", target=record_call, every=dt.timedelta(hours=6))
    assert hourly.slot_start(at(10, 13, 5)) == at(10, 12)
    assert hourly.next_slot(at(10, 13, 5)) == at(10, 18)
    daily = RecurringJob(name="d", target=record_call, daily_at=dt.time(7, 30))
    assert daily.slot_start(at(10, 7, 29)) == at(9, 7, 30)
    assert daily.slot_start(at(10, 7, 30)) == at(10, 7, 30)
    assert daily.next_slot(at(10, 7, 30)) == at(11, 7, 30)


def test_it_refuses_a_job_without_exactly_one_schedule():
    with pytest.raises(ValueError):
        RecurringJob(name="x", target=record_call)
    with pytest.raises(ValueError):
        RecurringJob(name="x", target=record_call, every=dt.timedelta(1), daily_at=dt.time(1))
    with pytest.raises(ValueError):
        RecurringJob(name="x", target=record_call, every=dt.timedelta(0))


def test_it_refuses_two_jobs_with_one_name():
    jobs = hourly_registry()
    with pytest.raises(ValueError):
        jobs.recurring(name="test.hourly", every=dt.timedelta(hours=2))(plain_job)


def test_it_enqueues_a_due_job_exactly_once_per_slot(db):
    jobs = hourly_registry()
    with time_machine.travel(at(10, 10, 15), tick=False) as traveller:
        assert [o.status for o in run_due_jobs(jobs=jobs)] == ["enqueued"]
        assert [o.status for o in run_due_jobs(jobs=jobs)] == ["not_due"]
        traveller.move_to(at(10, 10, 59))
        assert [o.status for o in run_due_jobs(jobs=jobs)] == ["not_due"]
        traveller.move_to(at(10, 11, 0))
        outcome = run_due_jobs(jobs=jobs)[0]
    assert outcome.status == "enqueued"
    assert CALLS == ["task", "task"]
    run = RecurringJobRun.objects.get(name="test.hourly")
    assert run.last_enqueued_at == at(10, 11, 0)
    assert run.last_task_id == outcome.task_id != ""


def test_it_catches_up_missed_slots_once_not_once_per_slot(db):
    jobs = hourly_registry()
    with time_machine.travel(at(10, 10, 15), tick=False) as traveller:
        run_due_jobs(jobs=jobs)
        traveller.move_to(at(10, 16, 30))  # the scheduler was down for six slots
        assert [o.status for o in run_due_jobs(jobs=jobs)] == ["enqueued"]
        assert [o.status for o in run_due_jobs(jobs=jobs)] == ["not_due"]
    assert CALLS == ["task", "task"]


def test_it_lets_only_one_scheduler_claim_a_slot(db):
    """Two scheduler processes that both saw the job as due: the conditional UPDATE
    lets the first enqueue and tells the second the slot is taken."""
    job = hourly_registry().get("test.hourly")
    now = at(10, 10, 15)
    slot = job.slot_start(now)
    first = scheduler._enqueue_once(job, slot=slot, now=now)
    second = scheduler._enqueue_once(job, slot=slot, now=now)
    assert (first.status, second.status) == ("enqueued", "taken")
    assert CALLS == ["task"]


def test_it_runs_a_plain_function_through_the_generic_task(db):
    jobs = JobRegistry()
    jobs.recurring(name="test.daily", daily_at=dt.time(7, 30))(plain_job)
    with time_machine.travel(at(10, 7, 0), tick=False) as traveller:
        run_due_jobs(jobs=jobs)  # yesterday's slot is caught up
        assert [o.status for o in run_due_jobs(jobs=jobs)] == ["not_due"]
        traveller.move_to(at(10, 7, 30))
        run_due_jobs(jobs=jobs)
    assert CALLS == ["plain", "plain"]


def test_it_reports_due_jobs_without_enqueuing_on_a_dry_run(db):
    jobs = hourly_registry()
    assert [o.status for o in run_due_jobs(jobs=jobs, dry_run=True)] == ["due"]
    assert CALLS == []
    assert not RecurringJobRun.objects.filter(last_enqueued_at__isnull=False).exists()


def test_it_registers_the_webhook_retry_job():
    job = registry.get("notifications.retry_webhooks")
    assert job.every == dt.timedelta(minutes=1)
    assert "audit.prune" not in registry


@pytest.fixture
def only_test_job(monkeypatch):
    monkeypatch.setattr(registry, "_jobs", {})
    registry.recurring(name="test.hourly", every=dt.timedelta(hours=1))(record_call)


def test_it_runs_one_pass_with_once(db, only_test_job):
    out = io.StringIO()
    with time_machine.travel(at(10, 10, 15), tick=False):
        call_command("scheduler", "--once", stdout=out)
        call_command("scheduler", "--once", stdout=out)
    assert CALLS == ["task"]
    assert out.getvalue().count("test.hourly: enqueued") == 1


def test_it_loops_until_interrupted(db, only_test_job, monkeypatch):
    sleeps: list[float] = []

    def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr("edubureau.jobs.management.commands.scheduler.time.sleep", fake_sleep)
    # Outside tests this drops stale connections; inside the test's transaction it
    # would drop the connection the test runs in.
    monkeypatch.setattr(
        "edubureau.jobs.management.commands.scheduler.close_old_connections", lambda: None
    )
    out = io.StringIO()
    with time_machine.travel(at(10, 10, 15), tick=False):
        call_command("scheduler", "--interval", "5", stdout=out)
    assert sleeps == [5.0, 5.0, 5.0]
    assert CALLS == ["task"]
    assert "Scheduler stopped." in out.getvalue()


def test_it_lists_jobs_with_their_last_runs(db, only_test_job):
    out = io.StringIO()
    with time_machine.travel(at(10, 10, 15), tick=False):
        call_command("scheduler", "--list", stdout=out)
        assert "test.hourly\tevery 1h\tlast: never" in out.getvalue()
        call_command("scheduler", "--once", stdout=io.StringIO())
        out = io.StringIO()
        call_command("scheduler", "--list", stdout=out)
    assert "last: 2026-03-10 10:15:00\tnext: 2026-03-10 11:00:00" in out.getvalue()
