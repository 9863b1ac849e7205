"""Changing a flag from the dashboard: flags:write, a confirmation step, CSRF, an audit record."""

from __future__ import annotations

from urllib.parse import quote

from markupsafe import escape
from starlette.testclient import TestClient

from lockgate.auth.scopes import Scope
from lockgate.gateway.runtime import Runtime
from lockgate.store import audit
from lockgate.store import flags as stored
from tests.dashboard.helpers import KILL, client, csrf, new_key, sign_in

REVIEW = f"/ui/flags/{quote(KILL)}/review"
APPLY = f"/ui/flags/{quote(KILL)}/apply"


def writer(runtime: Runtime) -> tuple[TestClient, str, str]:
    """A browser signed in with a metrics:read + flags:write key, its key id and CSRF token."""
    key_id, token = new_key(runtime.store, Scope.METRICS_READ, Scope.FLAGS_WRITE, name="pager")
    browser = client(runtime)
    sign_in(browser, token)
    return browser, key_id, csrf(browser.get("/ui").text)


def audit_records(runtime: Runtime) -> list[audit.AuditRecord]:
    """The flag changes in the audit log, oldest first."""
    with runtime.store.transaction() as session:
        records = [r for r in audit.recent(session) if r.action.startswith("flag.")]
    return sorted(records, key=lambda r: r.seq)


def test_a_read_only_key_sees_flags_but_cannot_change_them(runtime: Runtime) -> None:
    """Without flags:write there is no change link, and every step answers 403."""
    _, token = new_key(runtime.store, Scope.METRICS_READ)
    browser = client(runtime)
    sign_in(browser, token)
    page = browser.get("/ui")
    assert KILL in page.text and "Change…" not in page.text
    assert "lacks <code>flags:write</code>" in page.text
    token_field = csrf(page.text)
    form = {"csrf": token_field, "value": "false", "reason": "try", "expected": "true"}
    assert browser.get(f"/ui/flags/{KILL}").status_code == 403
    assert browser.post(REVIEW, data=form).status_code == 403
    assert browser.post(APPLY, data=form).status_code == 403
    assert stored.read_epoch(runtime.store) == 0


def test_posts_without_this_sessions_csrf_token_change_nothing(runtime: Runtime) -> None:
    """A missing token, a guessed one, or another session's token is refused with 403."""
    browser, _, token_field = writer(runtime)
    other, _, other_token = writer(runtime)
    form = {"value": "false", "reason": "incident 7", "expected": "true"}
    for bad in ({}, {"csrf": "x" * 43}, {"csrf": other_token}):
        for path in (REVIEW, APPLY):
            response = browser.post(path, data={**form, **bad})
            assert response.status_code == 403
            assert "did not come from your current dashboard session" in response.text
    assert other.post(APPLY, data={**form, "csrf": token_field}).status_code == 403
    assert stored.read_epoch(runtime.store) == 0
    assert runtime.flags.get(KILL) is not None and runtime.flags.get(KILL).value is True


def test_review_shows_old_and_new_value_and_changes_nothing(runtime: Runtime) -> None:
    """The confirmation page shows true -> false and the reason; the flag is still true."""
    browser, key_id, token_field = writer(runtime)
    form_page = browser.get(f"/ui/flags/{KILL}")
    assert form_page.status_code == 200
    assert '<option value="false" selected>' in form_page.text  # the opposite is offered
    reason = "upstream <b>outage</b>, INC-7"
    response = browser.post(REVIEW, data={"csrf": token_field, "value": "false", "reason": reason})
    assert response.status_code == 200
    assert '<code class="old">true</code>' in response.text
    assert '<code class="new">false</code>' in response.text
    assert escape(reason) in response.text and "<b>outage</b>" not in response.text
    assert f"key:{key_id} (pager)" in response.text
    assert stored.read_epoch(runtime.store) == 0
    assert audit_records(runtime) == []


def test_confirming_sets_the_flag_here_and_audits_the_key_and_reason(runtime: Runtime) -> None:
    """The change is stored, applied on this replica at once, and audited with key and reason."""
    browser, key_id, token_field = writer(runtime)
    form = {"csrf": token_field, "value": "false", "reason": "INC-7 outage", "expected": "true"}
    response = browser.post(APPLY, data=form)
    assert response.status_code == 303
    assert response.headers["location"] == f"/ui?changed={quote(KILL)}#flags"
    served = runtime.flags.get(KILL)
    assert served is not None and served.value is False
    override = stored.read_snapshot(runtime.store).overrides[KILL]
    assert override.value is False and override.reason == "INC-7 outage"
    (record,) = audit_records(runtime)
    assert record.action == "flag.set" and record.target == f"flag:{KILL}"
    assert record.actor == f"key:{key_id} (pager)"
    assert record.before is not None and record.before["value"] is True
    assert record.after is not None and record.after["value"] is False
    assert record.reason == "INC-7 outage"
    page = browser.get(response.headers["location"])
    assert "is not serving model answers" in page.text
    assert f"Flag <code>{KILL}</code> is now <strong>false</strong>" in page.text


def test_a_flag_changed_since_review_is_not_overwritten(runtime: Runtime) -> None:
    """If someone changed the flag after the review, the confirmation is shown again (409)."""
    browser, _, token_field = writer(runtime)
    stored.set_flag(
        runtime.store,
        actor="cli",
        name=KILL,
        value=False,
        reason="other pager",
        definitions=runtime.flags.definitions,
    )
    assert runtime.flags.refresh()
    form = {"csrf": token_field, "value": "false", "reason": "mine", "expected": "true"}
    response = browser.post(APPLY, data=form)
    assert response.status_code == 409
    assert "since you reviewed it" in response.text
    assert [r.reason for r in audit_records(runtime)] == ["other pager"]


def test_values_that_do_not_fit_and_missing_reasons_return_to_the_form(runtime: Runtime) -> None:
    """A percentage of 150 or an empty reason re-shows the form with the reason; nothing stored."""
    browser, _, token_field = writer(runtime)
    path = "/ui/flags/long-context"
    cases = [
        ({"value": "150", "reason": "more"}, "number from 0 to 100"),
        ({"value": "30", "reason": "  "}, "say why the flag changes"),
    ]
    for fields, message in cases:
        for step in ("review", "apply"):
            data = {"csrf": token_field, "expected": "20", **fields}
            response = browser.post(f"{path}/{step}", data=data)
            assert response.status_code == 400
            assert message in response.text
            assert 'name="reason"' in response.text  # the form again, filled in
    assert stored.read_epoch(runtime.store) == 0


def test_percentage_flags_change_through_the_same_steps(runtime: Runtime) -> None:
    """A percentage is typed as a number, reviewed and applied."""
    browser, _, token_field = writer(runtime)
    review = browser.post(
        "/ui/flags/long-context/review",
        data={"csrf": token_field, "value": "35", "reason": "ramp up"},
    )
    assert (
        '<code class="old">20</code>' in review.text
        and '<code class="new">35</code>' in review.text
    )
    applied = browser.post(
        "/ui/flags/long-context/apply",
        data={"csrf": token_field, "value": "35", "reason": "ramp up", "expected": "20"},
    )
    assert applied.status_code == 303
    served = runtime.flags.get("long-context")
    assert served is not None and served.value == 35


def test_an_unknown_flag_is_a_404_page(runtime: Runtime) -> None:
    """A flag that is not declared cannot be changed."""
    browser, _, _ = writer(runtime)
    response = browser.get("/ui/flags/nope")
    assert response.status_code == 404
    assert escape("no flag named 'nope'") in response.text
