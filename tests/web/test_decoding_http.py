"""A decode past the worker's memory limit, through the real HTTP app: a 422 in the one error shape,
nothing stored, and the server answers the next upload the same way."""

from __future__ import annotations

import sys

import cv2
import numpy as np
import pytest

from .conftest import post_work


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    """The shared settings with a memory limit below what an idle worker holds (about 530 MB)."""
    return settings.model_copy(update={"decode_memory_mb": 64})


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is enforced on Linux only")
def test_a_decode_past_the_memory_limit_is_422_and_stores_nothing(client, tmp_path):
    photo = tmp_path / "photo.jpg"  # 4000x3000: 36 MB once decoded
    cv2.imwrite(str(photo), cv2.resize(np.random.default_rng(9).random((30, 40, 3), np.float32) * 255,
                                       (4000, 3000)).astype(np.uint8))
    before = client.get("/log/checkpoint").text

    response = post_work(client, photo, kind="image")

    assert response.status_code == 422, response.text
    assert response.json() == {"error": {"code": "invalid_input", "reason": "memory_limit",
                                         "message": "decoding photo.jpg needed more than 64 MB "
                                                    "(AIGC_REGISTRY_DECODE_MEMORY_MB)"}}
    assert client.get("/log/checkpoint").text == before
    assert client.get("/api/v1/works").json() == []
    again = post_work(client, photo, kind="image")  # a new worker, the same answer
    assert (again.status_code, again.json()["error"]["reason"]) == (422, "memory_limit")
