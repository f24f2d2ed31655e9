"""Which working size a request asks for, and what size the layers travel at (pure rules)."""

from __future__ import annotations

import pytest
from paintboard_krita.model.working_size import backend_has_gpu, choose, sent_size

GPU, CPU = {"device": "cuda:0"}, {"device": "cpu"}


@pytest.mark.parametrize(("w", "h", "info", "live", "want"), [
    (2480, 3508, CPU, False, 512),  # A4 on a CPU backend: capped at 512
    (2480, 3508, GPU, False, 1024),  # ... on a GPU backend: 1024
    (2480, 3508, GPU, True, 256),  # Live stays at 256
    (700, 500, GPU, False, 700),  # between 256 and the cap: the document's own long side
    (160, 120, CPU, False, 256),  # small documents are drawn at 256 (the backend shrinks back)
    (2480, 3508, None, False, 512),  # no info yet: treated as a CPU backend
])
def test_auto_working_size(w, h, info, live, want):
    assert choose(w, h, auto=True, fixed=300, live=live, info=info) == want


def test_fixed_working_size_is_used_for_draw_and_live():
    assert choose(2480, 3508, auto=False, fixed=300, live=False, info=GPU) == 300
    assert choose(2480, 3508, auto=False, fixed=300, live=True, info=GPU) == 300


def test_backend_device_from_info():
    assert backend_has_gpu({"device": "cuda"}) and backend_has_gpu({"device": "mps"})
    assert not backend_has_gpu({"device": "cpu"}) and not backend_has_gpu(None)


@pytest.mark.parametrize(("w", "h", "longest", "want"), [
    (2480, 3508, 256, (181, 256)),
    (3508, 2480, 512, (512, 362)),
    (1024, 1024, 256, (256, 256)),
    (8192, 16, 256, (256, 1)),  # extreme aspect: never a zero side
    (200, 100, 256, (200, 100)),  # never enlarged: a small document travels as it is
    (256, 100, 256, (256, 100)),
])
def test_sent_size(w, h, longest, want):
    got = sent_size(w, h, longest)
    assert got == want
    assert max(got) == min(longest, max(w, h))  # the backend then works at exactly this grid
