"""The counters move from reports to orgs with their values: the next number continues."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("reports", "0001_initial"), ("orgs", "0010_document_counter")]
AFTER = [("reports", "0002_document_counter_moves_to_orgs")]


def test_the_counters_are_copied_before_the_old_table_goes():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    Bureau = old_apps.get_model("orgs", "Bureau")
    bureau = Bureau.objects.create(name="迁移测试县教育局", level="county", region_code="519999")
    old_apps.get_model("reports", "IssueCounter").objects.create(
        bureau=bureau, issuer_code="迁教发", year=2026, last=7
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new_apps = executor.loader.project_state(AFTER).apps
    counter = new_apps.get_model("orgs", "DocumentCounter").objects.get(bureau_id=bureau.pk)
    assert (counter.issuer_code, counter.year, counter.last) == ("迁教发", 2026, 7)
    # Back to the latest state for the rest of the suite.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
