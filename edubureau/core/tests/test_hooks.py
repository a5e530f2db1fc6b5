"""core asks the apps above it through hooks they fill in from AppConfig.ready()."""

from __future__ import annotations

from typing import get_args

import pytest
from django.core.exceptions import ImproperlyConfigured

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core import hooks
from edubureau.orgs.apps import bureaus_share_deployment


def test_the_audit_orgs_and_downloads_apps_fill_the_hooks():
    from edubureau.downloads.services import answer

    assert hooks._audit_writer is audit_log
    assert hooks._shared_deployment is bureaus_share_deployment
    assert hooks._download_answer is answer


def test_every_action_core_writes_is_an_audit_action():
    assert set(get_args(hooks.AuditAction)) <= set(Action.values)


def test_an_unfilled_hook_is_an_error_not_a_silent_no_op(monkeypatch):
    monkeypatch.setattr(hooks, "_audit_writer", None)
    monkeypatch.setattr(hooks, "_shared_deployment", None)
    monkeypatch.setattr(hooks, "_download_answer", None)
    with pytest.raises(ImproperlyConfigured, match="audit"):
        hooks.audit(actor=None, action="create", obj=None, changes={}, detail="")
    with pytest.raises(ImproperlyConfigured, match="orgs"):
        hooks.deployment_is_shared()
    with pytest.raises(ImproperlyConfigured, match="downloads"):
        hooks.answer_download(None, "orgs.schools", size=1)
