"""Feedback on answers and live quality per version, through a real gateway and the real model."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from lockgate.example.server import create_app as example_app
from lockgate.monitor.quality import by_version
from tests.support.gateway import manifest_dict, running_gateway
from tests.support.servers import serve, wait_until
from tests.support.upstream import ScriptedUpstream

CHAT = "/v1/chat/completions"


def test_feedback_labels_give_accuracy_per_version(tmp_path: Path, db_url: str) -> None:
    """Labels sent as feedback are compared with the model's predicted intent, per version."""
    with serve(example_app("v1", seed=1)) as upstream:
        data = manifest_dict({"v1": upstream})
        data["monitors"] = {"output": {"label": "/lockgate_example/intent"}}
        with running_gateway(tmp_path, data, db_url=db_url) as gw:
            auth = {"authorization": f"Bearer {gw.key()}"}
            cases = [
                ("I want my money back for the broken blender", "refund"),
                ("i forgot my password and cannot log in", "password_reset"),
                ("please cancel my order before it ships", "cancel_order"),
                ("I want my money back for the broken blender", "warranty_claim"),
            ]
            for text, truth in cases:
                body = {
                    "model": "support-assistant",
                    "messages": [{"role": "user", "content": text}],
                }
                answer = httpx.post(gw.url + CHAT, json=body, headers=auth)
                request_id = answer.headers["x-lockgate-request-id"]
                sent = httpx.post(
                    gw.url + "/v1/feedback",
                    json={"request_id": request_id, "label": truth, "thumbs": "up"},
                    headers=auth,
                )
                assert sent.status_code == 201, sent.text
            wait_until(lambda: by_version(gw.store, "support-assistant", window=600).get("v1"))
            wait_until(
                lambda: by_version(gw.store, "support-assistant", window=600)["v1"].feedback == 4
            )
            quality = by_version(gw.store, "support-assistant", window=600)["v1"]
            assert quality.labelled == 4
            assert quality.correct == 3  # the last label deliberately disagrees with the model
            assert quality.accuracy == pytest.approx(0.75)
            assert quality.thumbs_up_rate == 1.0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"request_id": "abc"}, "missing_field"),
        ({"request_id": "abc", "score": 3}, "missing_field"),
        ({"request_id": "abc", "thumbs": "sideways"}, "missing_field"),
        ({"label": "refund"}, "missing_field"),
    ],
)
def test_bad_feedback_is_400(tmp_path: Path, body: dict[str, object], code: str) -> None:
    """Feedback without a grade, with a score out of range or a bad thumb is 400."""
    upstream = ScriptedUpstream()
    with serve(upstream) as url, running_gateway(tmp_path, manifest_dict({"v1": url})) as gw:
        auth = {"authorization": f"Bearer {gw.key()}"}
        response = httpx.post(gw.url + "/v1/feedback", json=body, headers=auth)
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == code
        assert httpx.post(gw.url + "/v1/feedback", json=body).status_code == 401
