"""发文字号: a bureau's document numbers, 代字 + 〔year〕 + serial + 号 ("示教发〔2026〕3号"),
unique and gapless per bureau, 代字 and year, whatever module issues the document.

:func:`next_serial` must run inside the issuing transaction: the counter row stays
locked (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers) until the issue
commits, and an issue that fails after taking its number rolls the counter back, so
the next issue takes that number — no gap.
"""

from __future__ import annotations

from edubureau.orgs.models import Bureau, DocumentCounter


def next_serial(bureau: Bureau, code: str, year: int) -> int:
    """The next serial of (bureau, 代字, year); call inside the issuing transaction."""
    DocumentCounter.objects.bulk_create(
        [DocumentCounter(bureau=bureau, issuer_code=code, year=year)], ignore_conflicts=True
    )
    counter = DocumentCounter.objects.select_for_update().get(
        bureau=bureau, issuer_code=code, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def document_number(code: str, year: int, serial: int) -> str:
    return f"{code}〔{year}〕{serial}号"
