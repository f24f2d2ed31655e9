from __future__ import annotations

from paintboard_krita.model.history import HISTORY_VERSION, Entry, History


def make(n: int) -> tuple[History, dict[str, bool]]:
    h = History([Entry(n=i + 1, layer_id=f"L{i + 1}", seed=i) for i in range(n)])
    vis = {f"L{i + 1}": i == n - 1 for i in range(n)}  # like after the n-th Draw!
    return h, vis


def apply(vis: dict[str, bool], changes) -> None:
    for lid, v in changes:
        vis[lid] = v


def visible(vis):
    return sorted(k for k, v in vis.items() if v)


def test_back_shows_previous_and_hides_current_then_forward_reverses():
    h, vis = make(3)
    apply(vis, h.back(vis.get))
    assert visible(vis) == ["L2"]
    apply(vis, h.back(vis.get))
    assert visible(vis) == ["L1"]
    assert h.back(vis.get) == []  # nothing before the first
    apply(vis, h.forward(vis.get))
    assert visible(vis) == ["L2"]
    apply(vis, h.forward(vis.get))
    apply(vis, h.forward(vis.get))
    assert visible(vis) == ["L3"]
    assert h.forward(vis.get) == []


def test_jump_shows_exactly_one():
    h, vis = make(4)
    vis["L2"] = True
    apply(vis, h.show_only(0, vis.get))
    assert visible(vis) == ["L1"]


def test_manual_eye_toggles_define_current():
    h, vis = make(4)
    vis.update({"L4": False, "L2": True})  # user hid #4 and showed #2 by hand
    assert h.current(vis.get) == 1
    apply(vis, h.back(vis.get))
    assert visible(vis) == ["L1"]
    for k in vis:
        vis[k] = False
    assert h.current(vis.get) is None
    assert h.back(vis.get) == []
    apply(vis, h.forward(vis.get))  # all hidden: Forward starts at the first result
    assert visible(vis) == ["L1"]


def test_nothing_deleted_and_prune_only_missing():
    h, vis = make(3)
    for _ in range(5):
        apply(vis, h.back(vis.get))
    assert len(h.entries) == 3
    gone = h.prune_missing(lambda lid: lid != "L2")
    assert [e.layer_id for e in gone] == ["L2"] and [e.n for e in h.entries] == [1, 3]
    assert h.next_number() == 4
    # Edit ▸ Undo brings L2's layer back: its entry returns to its place, once
    assert h.readopt(lambda lid: lid != "L9") == gone and [e.n for e in h.entries] == [1, 2, 3]
    assert h.readopt(lambda lid: True) == [] and h.forgotten == []
    assert h.to_dict()["entries"] == History.from_dict(h.to_dict()).to_dict()["entries"]


def test_json_round_trip_and_version():
    h, _ = make(2)
    h.entries[0].model = "small"
    data = h.to_dict()
    assert data["version"] == HISTORY_VERSION
    import json

    again = History.from_dict(json.loads(json.dumps(data)))
    assert again.entries == h.entries


def test_from_dict_migrates_v1_and_skips_junk():
    old = {"version": 1, "results": [{"index": 0, "layer_id": "A", "seed": 5},
                                     {"index": 1, "layer_id": "B", "seed": 6, "extra": 1},
                                     {"seed": 7}, "junk"]}
    h = History.from_dict(old)
    assert [(e.n, e.layer_id, e.seed) for e in h.entries] == [(1, "A", 5), (2, "B", 6)]
    assert History.from_dict(None).entries == []
