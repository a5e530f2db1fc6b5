"""Background tasks of notifications (run by ``edubureau worker``)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from edubureau.jobs.scheduler import recurring


@task()
def deliver_webhook(delivery_id: int, attempt: int) -> str:
    """Send one webhook delivery (one attempt)."""
    from edubureau.notifications.services import webhook_delivery_attempt

    return webhook_delivery_attempt(delivery_id=delivery_id, attempt=attempt) or "skipped"


@recurring(name="notifications.retry_webhooks", every=timedelta(minutes=1))
@task()
def retry_webhooks() -> int:
    """Re-enqueue webhook deliveries whose next attempt is due."""
    from edubureau.notifications.services import webhook_retry_due

    return webhook_retry_due()
