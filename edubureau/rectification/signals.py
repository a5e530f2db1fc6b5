"""What the lifecycle tells the modules above it.

``step_recorded`` is sent after each transition of the lifecycle (plan, rectify,
verify, reject, close) has been saved with its :class:`RectificationStep`, inside
the transition's transaction: a receiver's writes (notifications) commit or roll
back with the step. Rectification knows nothing of who should hear of a step; the
module that owns the record subscribes (safety in ``safety/notices.py``), so this
app stays independent of notifications.

Arguments: ``sender`` the record's model, ``obj`` the record as saved, ``action``
(``plan`` / ``rectify`` / ``verify`` / ``reject`` / ``close``), ``actor``,
``from_status`` and ``note`` (a rejection's reason).
"""

from __future__ import annotations

from django.dispatch import Signal

step_recorded = Signal()
