"""Writing notifications and pushing them to group robots.

Other modules call :func:`notify`; it creates one in-app notification per recipient
and one webhook delivery per matching endpoint, whose sending is a background task
enqueued after the transaction commits. A delivery is attempted by
:func:`webhook_delivery_attempt` (in the worker); a failed attempt is retried after
1, 2, 4, 8 … minutes by the recurring job ``notifications.retry_webhooks``
(:func:`webhook_retry_due`) until ``WEBHOOK_MAX_ATTEMPTS``, then it is given up.

Reading and marking one's own notifications is not written to the audit log: it
changes nothing but the reader's own inbox, and the event a notification reports is
audited by the service that caused it. Push settings are audited, with the robot
key and the signing secret masked.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log, diff
from edubureau.core.rawsql import prepared_expression
from edubureau.notifications import topics, url_policy, webhooks
from edubureau.notifications.models import (
    OPEN_STATUSES,
    DeliveryStatus,
    Level,
    MutedTopic,
    Notification,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookKind,
)
from edubureau.notifications.tasks import deliver_webhook
from edubureau.orgs.models import School, User
from edubureau.orgs.scoping import bureau_id_of

# While an attempt is queued or running, its delivery is not picked up again by the
# retry sweep; after this long (a crashed worker) it is.
CLAIM_LEASE = dt.timedelta(minutes=10)
PRODUCT_NAME = "教育局工作平台"


def is_safe_link(link: str) -> bool:
    """Only a path on this site: no scheme, no host, no ``//`` or backslash tricks."""
    if not link:
        return False
    return (
        link.startswith("/")
        and not link.startswith("//")
        and "\\" not in link
        and url_has_allowed_host_and_scheme(link, allowed_hosts=set())
    )


def retry_delay(attempt: int) -> dt.timedelta:
    """Back-off after the ``attempt``-th failure: 1, 2, 4, 8 … minutes."""
    return dt.timedelta(minutes=2 ** (attempt - 1))


# ---------------------------------------------------------------- notifications


def notify(
    *,
    recipients: Iterable[User],
    title: str,
    body: str = "",
    link: str = "",
    level: str = Level.INFO,
    topic: str = "",
    school_id: int | None = None,
) -> list[Notification]:
    """Notify ``recipients`` in the app, and the bureau's matching group robots once.

    A recipient who turned ``topic`` off (通知设置, :class:`MutedTopic`) gets no in-app
    notification, unless the topic is registered as not mutable (urgent). The group
    robots are the bureau's and are sent to whoever muted the topic; they follow the
    recipients' bureaus as given, so a message nobody wants in the app still reaches
    the group."""
    title = title.strip()
    if not title or len(title) > 200:
        raise ValueError("a notification needs a title of 1 to 200 characters")
    if level not in Level.values:
        raise ValueError(f"unknown notification level {level!r}")
    if link and not is_safe_link(link):
        raise ValueError(f"notification links must be site paths, got {link!r}")
    now = timezone.now()
    # No savepoint of its own inside a caller's transaction (a submit's): nothing here
    # is caught, so a failure rolls the caller back as a whole either way.
    with transaction.atomic(savepoint=False):
        users, muted, robots = _recipients(recipients, topic, school_id)
        notes = Notification.objects.bulk_create(
            Notification(
                recipient=u,
                title=title,
                body=body,
                link=link,
                level=level,
                topic=topic,
                school_id=school_id,
                created_at=now,
            )
            for u in users
            if u.pk not in muted
        )
        endpoints = (
            []
            if robots is False
            else [
                e
                for e in _endpoints(
                    Q(bureau_id__in={u.bureau_id for u in users if u.bureau_id is not None}),
                    school_id,
                ).select_related("bureau")
                if e.accepts(topic=topic, school_id=school_id)
            ]
        )
        url = f"{settings.SITE_URL.rstrip('/')}{link}" if link else ""
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                endpoint=e,
                notification=notes[0] if notes else None,
                title=title,
                payload=webhooks.build_payload(
                    e.kind, title=title, body=body, url=url, level=level, footer=_footer(e)
                ),
                created_at=now,
                next_attempt_at=now + CLAIM_LEASE,
            )
            for e in endpoints
        )
        _enqueue_after_commit([d.pk for d in deliveries])
    return notes


def _endpoints(bureaus: Q, school_id: int | None) -> QuerySet[WebhookEndpoint]:
    """The active group robots a notification about ``school_id`` may go to: those of
    ``bureaus`` and of the school's own bureau, for every school or for this one (each
    then filters by topic, ``WebhookEndpoint.accepts``)."""
    if school_id is not None:
        # The school's own bureau, as a subquery of the one query.
        bureaus |= Q(bureau_id__in=School.objects.filter(pk=school_id).values("bureau_id"))
    return WebhookEndpoint.objects.filter(bureaus, is_active=True).filter(
        Q(school__isnull=True) | Q(school_id=school_id)
    )


def _recipients(
    recipients: Iterable[User], topic: str, school_id: int | None
) -> tuple[list[User], set[int], bool | None]:
    """The recipients once each, the ids of those who turned ``topic`` off (none for
    an urgent topic), and whether any group robot may take the message (``None``: not
    known, look). Recipients given as a query are read with both in the same
    statement: a submit's notification reads one row per recipient, not three
    queries."""
    mutable = topics.is_mutable(topic)
    if isinstance(recipients, QuerySet) and recipients._result_cache is None:
        # Prepared: a submit's one notification would otherwise build and compile
        # these subqueries on every request (~1.5 ms of a ~17 ms submit).
        school = {} if school_id is None else {"school": school_id}
        flags = {
            "robots": prepared_expression(
                User,
                ("notify.robots", school_id is None),
                lambda school=None: Exists(_endpoints(Q(bureau_id=OuterRef("bureau_id")), school)),
                output_field=BooleanField(),
                **school,
            )
        }
        if mutable:
            flags["topic_muted"] = prepared_expression(
                User,
                "notify.muted",
                lambda topic: Exists(
                    MutedTopic.objects.filter(user_id=OuterRef("pk"), topic=topic)
                ),
                output_field=BooleanField(),
                topic=topic,
            )
        if not recipients.query.select_related:
            # A notification needs the key and the bureau: not every column of the
            # account (nor its phone number, decrypted on load).
            recipients = recipients.only("pk", "bureau_id")
        users = list({u.pk: u for u in recipients.annotate(**flags)}.values())
        muted = {u.pk for u in users if getattr(u, "topic_muted", False)}
        # Nobody read: the school's bureau may still have a robot.
        return users, muted, (any(u.robots for u in users) if users else None)
    users = list({u.pk: u for u in recipients}.values())
    if not users or not mutable:
        return users, set(), None
    muting = MutedTopic.objects.filter(user_id__in=[u.pk for u in users], topic=topic)
    return users, set(muting.values_list("user_id", flat=True)), None


def muted_topics(*, user: User) -> set[str]:
    return set(MutedTopic.objects.visible_to(user).values_list("topic", flat=True))


def notification_settings_save(*, actor: User, receive: Iterable[str]) -> set[str]:
    """Keep the actor's in-app topics: every topic offered to the actor's role that is
    not in ``receive`` is muted, every other one received. Returns the muted set.
    Topics outside the offer (unknown, urgent, another role's) are left alone, so a
    forged post can neither mute an urgent topic nor store junk. Not audited: it
    changes nothing but the actor's own inbox, like marking it read."""
    offered = {t.key for t in topics.mutable_for(actor.role)}
    wanted_muted = offered - set(receive)
    with transaction.atomic():
        mine = MutedTopic.objects.visible_to(actor)
        mine.filter(topic__in=offered - wanted_muted).delete()
        have = set(mine.filter(topic__in=wanted_muted).values_list("topic", flat=True))
        MutedTopic.objects.bulk_create(
            MutedTopic(user=actor, topic=key) for key in sorted(wanted_muted - have)
        )
    return wanted_muted


def notification_mark_read(*, actor: User, notification: Notification) -> bool:
    """Mark one of the actor's notifications read; False if it already was."""
    now = timezone.now()
    updated = Notification.objects.filter(
        pk=notification.pk, recipient_id=actor.pk, read_at__isnull=True
    ).update(read_at=now)
    if updated:
        notification.read_at = now
    return bool(updated)


def notification_mark_all_read(*, actor: User) -> int:
    return Notification.objects.visible_to(actor).unread().update(read_at=timezone.now())


# ---------------------------------------------------------------- endpoints

ENDPOINT_FIELDS = ("name", "kind", "url", "secret", "topics", "school", "is_active")


def webhook_endpoint_create(*, actor: User, data: dict[str, Any]) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(bureau_id=bureau_id_of(actor), created_by=actor)
    _apply(endpoint, data)
    with transaction.atomic():
        endpoint.save()
        audit_log(
            actor=actor,
            action=Action.CREATE,
            obj=endpoint,
            changes={k: [None, v] for k, v in _endpoint_snapshot(endpoint).items()},
        )
    return endpoint


def webhook_endpoint_update(
    *, actor: User, endpoint: WebhookEndpoint, data: dict[str, Any]
) -> WebhookEndpoint:
    """``url`` or ``secret`` left empty keep their current values (they are never shown
    in full); ``clear_secret`` removes the secret."""
    data = dict(data)
    if not data.get("url"):
        data.pop("url", None)
    if data.pop("clear_secret", False):
        data["secret"] = ""
    elif not data.get("secret"):
        data.pop("secret", None)
    before = _endpoint_snapshot(endpoint)
    _apply(endpoint, data)
    with transaction.atomic():
        endpoint.save()
        changes = diff(before, _endpoint_snapshot(endpoint))
        if changes:
            audit_log(actor=actor, action=Action.UPDATE, obj=endpoint, changes=changes)
    return endpoint


def webhook_endpoint_deactivate(*, actor: User, endpoint: WebhookEndpoint) -> None:
    if not endpoint.is_active:
        return
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
        endpoint.is_active = False
        audit_log(
            actor=actor,
            action=Action.UPDATE,
            obj=endpoint,
            changes={"is_active": [True, False]},
            detail="停用推送地址",
        )


def webhook_send_test(*, actor: User, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a test message to the endpoint; its outcome shows in the delivery log."""
    now = timezone.now()
    title = "测试消息"
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            title=title,
            payload=webhooks.build_payload(
                endpoint.kind,
                title=title,
                body=f"这是一条来自{PRODUCT_NAME}的测试消息，收到即表示推送地址“{endpoint.name}”配置正确。",
                footer=_footer(endpoint),
            ),
            created_at=now,
            next_attempt_at=now + CLAIM_LEASE,
        )
        audit_log(actor=actor, action=Action.CREATE, obj=delivery, detail="发送测试消息")
        _enqueue_after_commit([delivery.pk])
    return delivery


def webhook_delivery_retry(*, actor: User, delivery: WebhookDelivery) -> bool:
    """An administrator asks for one more attempt now (also after it was given up)."""
    if delivery.status not in (DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP):
        return False
    now = timezone.now()
    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(
            pk=delivery.pk, attempts=delivery.attempts, status=delivery.status
        ).update(status=DeliveryStatus.FAILED, next_attempt_at=now + CLAIM_LEASE)
        if not updated:
            return False
        audit_log(actor=actor, action=Action.UPDATE, obj=delivery, detail="手动重试推送")
        transaction.on_commit(
            partial(deliver_webhook.enqueue, delivery_id=delivery.pk, attempt=delivery.attempts + 1)
        )
    return True


# ---------------------------------------------------------------- delivery (worker side)


def webhook_delivery_attempt(*, delivery_id: int, attempt: int) -> str | None:
    """Make attempt number ``attempt`` of a delivery; returns its new status.

    The attempt is claimed by a conditional UPDATE of ``attempts``, so a delivery
    enqueued twice (by notify() and by the retry sweep) is still sent only once.
    Returns None when another run already made this attempt or the delivery is closed.
    """
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, attempts=attempt - 1, status__in=OPEN_STATUSES
    ).update(attempts=attempt, next_attempt_at=now + CLAIM_LEASE)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    started = time.monotonic()
    refusal = url_policy.delivery_refusal(endpoint.url) if endpoint.is_active else None
    if not endpoint.is_active:
        result = webhooks.SendResult(False, None, "推送地址已停用")
    elif refusal is not None:
        result = webhooks.SendResult(False, None, f"推送地址不符合安全规则：{refusal}")
    else:
        result = webhooks.send(
            endpoint.kind,
            url=endpoint.url,
            secret=endpoint.secret,
            payload=delivery.payload,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        )
    duration_ms = int((time.monotonic() - started) * 1000)
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=attempt,
        started_at=now,
        duration_ms=duration_ms,
        status_code=result.status_code,
        succeeded=result.ok,
        error=result.error[:500],
        response=result.response[:500],
    )
    if result.ok:
        status, next_at = DeliveryStatus.SUCCEEDED, None
    elif attempt >= settings.WEBHOOK_MAX_ATTEMPTS or not endpoint.is_active:
        status, next_at = DeliveryStatus.GAVE_UP, None
    else:
        status, next_at = DeliveryStatus.FAILED, now + retry_delay(attempt)
    WebhookDelivery.objects.filter(pk=delivery_id, attempts=attempt).update(
        status=status,
        next_attempt_at=next_at,
        last_status_code=result.status_code,
        last_error=result.error[:500],
        delivered_at=timezone.now() if result.ok else None,
    )
    return str(status)


def webhook_retry_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Re-enqueue open deliveries whose next attempt is due; returns how many."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(
        status__in=OPEN_STATUSES, next_attempt_at__lte=now
    ).order_by("next_attempt_at", "id")
    ids: list[tuple[int, int]] = []
    for pk, attempts, next_at in due.values_list("pk", "attempts", "next_attempt_at")[:limit]:
        # Push the due time out first, so the next sweep does not enqueue it again
        # while this attempt waits in the queue.
        if WebhookDelivery.objects.filter(pk=pk, attempts=attempts, next_attempt_at=next_at).update(
            next_attempt_at=now + CLAIM_LEASE
        ):
            ids.append((pk, attempts + 1))
    for pk, attempt in ids:
        transaction.on_commit(partial(deliver_webhook.enqueue, delivery_id=pk, attempt=attempt))
    return len(ids)


# ---------------------------------------------------------------- helpers


def _enqueue_after_commit(delivery_ids: list[int]) -> None:
    for pk in delivery_ids:
        transaction.on_commit(partial(deliver_webhook.enqueue, delivery_id=pk, attempt=1))


def _footer(endpoint: WebhookEndpoint) -> str:
    bureau = endpoint.bureau
    return f"{bureau.short_name or bureau.name} · {PRODUCT_NAME}"


def _apply(endpoint: WebhookEndpoint, data: dict[str, Any]) -> None:
    """Set the fields given in ``data`` and validate the result. A new address must
    pass the delivery policy (url_policy); a kept one is checked again at delivery."""
    for name in ENDPOINT_FIELDS:
        if name in data:
            setattr(endpoint, name, data[name])
    endpoint.url = endpoint.url.strip()
    endpoint.secret = endpoint.secret.strip()
    topics = webhooks.split_topics(endpoint.topics)
    endpoint.topics = ", ".join(topics)
    errors: dict[str, list[str]] = {}
    refusal = url_policy.address_refusal(endpoint.url) if "url" in data else None
    if refusal is not None:
        errors["url"] = [refusal]
    bad = webhooks.invalid_topics(topics)
    if bad:
        errors["topics"] = [f"主题只能包含小写字母、数字、下划线和点：{'、'.join(bad)}"]
    if endpoint.kind == WebhookKind.WECOM and endpoint.secret:
        errors["secret"] = ["企业微信群机器人没有加签设置，请不要填写加签密钥"]
    if endpoint.school is not None and endpoint.school.bureau_id != endpoint.bureau_id:
        errors["school"] = ["只能选择本局的学校"]
    try:
        endpoint.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _endpoint_snapshot(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """What the audit log keeps of an endpoint: credentials masked, with a fingerprint
    so that a change of key or secret still shows as a change."""
    return {
        "name": endpoint.name,
        "kind": endpoint.kind,
        "url": endpoint.masked_url,
        "url_fingerprint": webhooks.fingerprint(endpoint.url),
        "secret": endpoint.masked_secret,
        "secret_fingerprint": webhooks.fingerprint(endpoint.secret),
        "topics": endpoint.topics,
        "school_id": endpoint.school_id,
        "is_active": endpoint.is_active,
    }
