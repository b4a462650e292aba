"""The SweepResult table: rows, columns, selection, aggregation, CSV."""

from __future__ import annotations

import numpy as np
import pytest

from dynamics import SweepResult


def _table():
    rows = [
        {"n": n, "rule": rule, "replicate": r, "seed": 10 * n + r, "score": n + r + (rule == "b"),
         "curve": np.arange(3) * r, "tags": ["x"] * (r + 1), "wall_time": 0.1}
        for n in (1, 2) for rule in ("a", "b") for r in (0, 1)
    ]
    return SweepResult(rows, [], len(rows) + 1, None, ("n", "rule"))


def test_rows_and_columns():
    res = _table()
    assert len(res) == 8 and res[0]["n"] == 1 and list(res)[-1]["rule"] == "b"
    assert res.n_missing == 1 and not res.complete
    assert res["score"].tolist() == [1, 2, 2, 3, 2, 3, 3, 4]
    assert res["curve"].shape == (8, 3)  # same-shape arrays are stacked
    tags = res["tags"]
    assert tags.dtype == object and tags[1] == ["x", "x"]  # ragged lists stay lists
    assert set(res.columns()) == {"n", "rule", "replicate", "seed", "score", "curve", "tags",
                                  "wall_time"}
    assert len(res[2:4]) == 2 and res[2:4][0] == res[2]
    with pytest.raises(KeyError, match="column 'nope' is missing in 8 of 8 rows"):
        res["nope"]
    with pytest.raises(TypeError, match="name: expected a column name"):
        res.column(3)
    assert "8 ok, 0 failed, 1 not run" in repr(res)


def test_where_and_aggregate():
    res = _table()
    sub = res.where(n=2, rule="b")
    assert [r["replicate"] for r in sub] == [0, 1]
    agg = res.aggregate("score")  # default: over replicates of each parameter set
    assert agg["n"].tolist() == [1, 1, 2, 2] and agg["rule"].tolist() == ["a", "b", "a", "b"]
    assert agg["score"].tolist() == [1.5, 2.5, 2.5, 3.5] and agg["count"].tolist() == [2] * 4
    by_n = res.aggregate("score", by="n", func=np.max)
    assert by_n["score"].tolist() == [3, 4] and by_n["count"].tolist() == [4, 4]
    curve = res.aggregate("curve", by="rule")
    np.testing.assert_array_equal(curve["curve"], [[0, 0.5, 1.0]] * 2)


def test_to_csv_writes_scalar_columns(tmp_path):
    path = _table().to_csv(tmp_path / "t.csv")
    lines = path.read_text().splitlines()
    assert lines[0] == "n,rule,replicate,seed,score,wall_time"
    assert lines[1] == "1,a,0,10,1,0.1" and len(lines) == 9
