"""发文字号: unique and gapless per bureau, 代字 and year, under concurrent issuing.

Real threads, each with its own database connection (on PostgreSQL the counter row is
locked with SELECT … FOR UPDATE; on SQLite writers are serialised by BEGIN IMMEDIATE).
An issue that fails after taking its number rolls back, and its number is taken by the
next issue: no gap.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from edubureau.orgs.models import DocumentCounter
from edubureau.orgs.services.numbering import document_number, next_serial
from edubureau.testing.cast import make_cast

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


class Boom(Exception):
    pass


def test_concurrent_issues_get_consecutive_numbers_and_a_failed_one_leaves_no_gap():
    cast = make_cast()
    bureau, code, year = cast.bureau, "甲教安", 2026
    taken: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def issue(fail: bool) -> None:
        try:
            start.wait()
            with transaction.atomic():
                serial = next_serial(bureau, code, year)
                if fail:
                    raise Boom
            with lock:
                taken.append(serial)
        except Boom:
            pass
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(i % 3 == 0,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    succeeded = THREADS - len([i for i in range(THREADS) if i % 3 == 0])
    assert sorted(taken) == list(range(1, succeeded + 1))
    assert DocumentCounter.objects.get(bureau=bureau, issuer_code=code, year=year).last == succeeded


def test_each_code_and_year_counts_on_its_own():
    cast = make_cast()
    with transaction.atomic():
        assert next_serial(cast.bureau, "甲教安", 2026) == 1
        assert next_serial(cast.bureau, "甲教安", 2026) == 2
        assert next_serial(cast.bureau, "甲教发", 2026) == 1
        assert next_serial(cast.bureau, "甲教安", 2027) == 1
        assert next_serial(cast.sibling_bureau, "甲教安", 2026) == 1


def test_the_number_reads_as_documents_write_it():
    assert document_number("大教发", 2017, 1) == "大教发〔2017〕1号"
