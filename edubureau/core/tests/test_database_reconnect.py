"""A worker keeps its database connection between requests (CONN_MAX_AGE). When the
server drops it — PostgreSQL restarted or failed over, an idle timeout — the next
request must get a new connection, not a 500: bench/fault_injection.py found each
gunicorn worker's first request after a PostgreSQL restart failing until
CONN_HEALTH_CHECKS was set."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import close_old_connections, connection, connections

from edubureau.orgs.models import User


def test_kept_connections_are_checked_before_a_request_uses_them() -> None:
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.django_db(transaction=True)
def test_a_request_after_the_server_dropped_the_connection_reconnects() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no server to drop the connection (and CONN_MAX_AGE is 0)")
    User.objects.count()  # the connection a previous request left open
    pid = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    # What the handler does when the next request starts (request_started).
    close_old_connections()
    assert User.objects.count() >= 0
    assert connection.connection.info.backend_pid != pid
