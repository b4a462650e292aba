"""The durable store: record contents, damaged lines, resume rules, locking."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sweep_tasks import logged, noisy_quadratic

import dynamics as dyn
from dynamics.sweeps.store import SweepStore, record_checksum


def _lines(store):
    return (store / "results.jsonl").read_text().splitlines()


def test_each_task_is_one_complete_line_with_provenance(tmp_path):
    res = dyn.sweep(noisy_quadratic, {"a": [1, 2]}, seeds=2, store=tmp_path, progress=False)
    lines = _lines(tmp_path)
    assert len(lines) == 4
    rec = json.loads(lines[0])
    assert rec["status"] == "ok" and rec["params"] == {"a": 1} and rec["replicate"] == 0
    assert rec["seed"] == dyn.task_seed({"a": 1}, 0, 0)
    assert rec["result"] == {"y": res[0]["y"], "label": "a=1"}
    assert rec["wall_time"] >= 0 and rec["dynamics_version"] == dyn.__version__
    assert "git_commit" in rec and "finished" in rec and ":" in rec["worker"]
    with np.load(tmp_path / rec["arrays"]) as npz:
        np.testing.assert_array_equal(npz["draws"], res[0]["draws"])
    meta = json.loads((tmp_path / "sweep.json").read_text())
    assert meta["fn"] == "sweep_tasks.noisy_quadratic" and meta["base_seed"] == 0
    assert len(meta["task_order"]) == 4 and meta["format"] == "dynamics-sweep/2"
    assert rec["checksum"] == record_checksum(rec) and len(rec["arrays_sha256"]) == 64
    # nothing left half-written
    assert not list(tmp_path.rglob("*.tmp"))


def _run_logged(tmp_path, store, **kw):
    grid = {"a": [1, 2, 3, 4, 5], "log": [str(tmp_path / "calls.log")]}
    return dyn.sweep(logged, grid, store=store, progress=False, **kw)


def test_truncated_last_line_is_detected_warned_and_its_task_redone(tmp_path):
    store = tmp_path / "store"
    full = _run_logged(tmp_path, store)
    text = (store / "results.jsonl").read_bytes()
    last_start = text.rstrip(b"\n").rfind(b"\n") + 1
    cut = text[: last_start + (len(text) - last_start) // 2]  # the last write cut in half
    (store / "results.jsonl").write_bytes(cut)
    (tmp_path / "calls.log").write_text("")
    with pytest.warns(dyn.StoreWarning, match="line 5 is damaged.*truncated"):
        again = _run_logged(tmp_path, store)
    assert (tmp_path / "calls.log").read_text().split() == ["5"]  # only the lost task reran
    assert len(_lines(store)) == 5
    np.testing.assert_array_equal(again["y"], full["y"])
    np.testing.assert_array_equal(again["trace"], full["trace"])
    assert b"truncated" in (store / "results.corrupt").read_bytes()
    # the repaired store reads cleanly, no warning
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(dyn.load_sweep(store)) == 5


def test_corrupted_middle_line_is_redone_and_others_kept(tmp_path):
    store = tmp_path / "store"
    full = _run_logged(tmp_path, store)
    lines = (store / "results.jsonl").read_bytes().splitlines(keepends=True)
    lines[1] = b'{"task_id": "garbage' + b"\x00\xff" + b"\n"
    (store / "results.jsonl").write_bytes(b"".join(lines))
    with pytest.warns(dyn.StoreWarning, match="line 2 is damaged"):
        assert len(dyn.load_sweep(store)) == 4  # read-only view skips it
    (tmp_path / "calls.log").write_text("")
    with pytest.warns(dyn.StoreWarning, match="line 2 is damaged.*run again"):
        again = _run_logged(tmp_path, store)
    assert (tmp_path / "calls.log").read_text().split() == ["2"]
    np.testing.assert_array_equal(again["y"], full["y"])


def test_resume_rules(tmp_path):
    store = tmp_path / "store"
    _run_logged(tmp_path, store)
    with pytest.raises(FileExistsError, match="resume=True"):
        _run_logged(tmp_path, store, resume=False)
    with pytest.raises(ValueError, match="base_seed=0.*base_seed=1"):
        _run_logged(tmp_path, store, base_seed=1)
    with pytest.raises(ValueError, match="fn="):
        dyn.sweep(noisy_quadratic, {"a": [1]}, store=store, progress=False)
    file_store = tmp_path / "file"
    file_store.write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        _run_logged(tmp_path, file_store)
    with pytest.raises(FileNotFoundError, match="not a sweep store"):
        dyn.load_sweep(tmp_path)


def test_a_store_has_one_writer(tmp_path):
    store = tmp_path / "store"
    meta = {"fn": "sweep_tasks.logged", "base_seed": 0}
    with SweepStore(store, meta, resume=True):  # in this process
        with pytest.raises(RuntimeError, match="another sweep is writing"):
            _run_logged(tmp_path, store)
    holder = subprocess.Popen(  # in another process
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            from dynamics.sweeps.store import SweepStore
            with SweepStore({str(store)!r}, {meta!r}, resume=True):
                print("locked", flush=True)
                sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RuntimeError, match="another sweep is writing"):
            _run_logged(tmp_path, store)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert len(_run_logged(tmp_path, store)) == 5  # lock released on close


def test_interrupted_store_gives_partial_result_then_completes(tmp_path):
    store = tmp_path / "store"
    full = _run_logged(tmp_path, store)
    partial = tmp_path / "partial"
    shutil.copytree(store, partial)
    lines = _lines(partial)
    (partial / "results.jsonl").write_text("\n".join(lines[:2]) + "\n")
    view = dyn.load_sweep(partial)
    assert len(view) == 2
    assert not view.complete and view.n_missing == 3
    resumed = _run_logged(tmp_path, partial)
    assert resumed.complete and len(_lines(partial)) == 5
    np.testing.assert_array_equal(resumed["y"], full["y"])


def test_missing_arrays_file_is_detected_and_its_task_redone(tmp_path):
    store = tmp_path / "store"
    full = _run_logged(tmp_path, store)
    rec = json.loads(_lines(store)[3])
    (store / rec["arrays"]).unlink()
    (tmp_path / "calls.log").write_text("")
    with pytest.warns(dyn.StoreWarning, match="line 4 is damaged.*arrays file .* is missing"):
        again = _run_logged(tmp_path, store)
    assert (tmp_path / "calls.log").read_text().split() == ["4"]
    np.testing.assert_array_equal(again["trace"], full["trace"])


def test_ctrl_c_keeps_finished_tasks_and_releases_the_store(tmp_path):
    from sweep_tasks import interrupted_at_3

    flag = tmp_path / "flag"
    flag.touch()
    grid = {"a": [1, 2, 3, 4], "flag": [str(flag)]}
    with pytest.raises(KeyboardInterrupt):
        dyn.sweep(interrupted_at_3, grid, store=tmp_path / "s", progress=False)
    assert len(_lines(tmp_path / "s")) == 2  # a = 1, 2 are durable; a = 3 was not recorded
    flag.unlink()
    res = dyn.sweep(interrupted_at_3, grid, store=tmp_path / "s", progress=False)
    assert res["y"].tolist() == [1, 2, 3, 4] and len(_lines(tmp_path / "s")) == 4
