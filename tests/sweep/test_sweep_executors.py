"""The same sweep on every executor; failures, retries and bad input."""

from __future__ import annotations

import sys
import textwrap

import numpy as np
import pytest
from sweep_tasks import clashing_key, logged, noisy_quadratic, returns_list

import dynamics as dyn

GRID = {"a": [0, 1, 2, 3, 4], "b": ["u", "v"]}


@pytest.fixture(scope="module")
def dask_address():
    """One local Dask cluster (2 single-threaded worker processes) for this module."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def _same(r1, r2):
    assert len(r1) == len(r2) == r1.n_tasks
    for x, y in zip(r1, r2, strict=True):
        assert x.keys() == y.keys()
        for k in x:
            if k == "wall_time":
                continue
            if isinstance(x[k], np.ndarray):
                np.testing.assert_array_equal(x[k], y[k])
            else:
                assert x[k] == y[k], k


def test_serial_processes_and_dask_give_identical_results(tmp_path, dask_address):
    serial = dyn.sweep(noisy_quadratic, GRID, seeds=3, base_seed=11, progress=False)
    procs = dyn.sweep(noisy_quadratic, GRID, seeds=3, base_seed=11, executor="processes",
                      n_workers=2, store=tmp_path / "p", progress=False)
    dask = dyn.sweep(noisy_quadratic, GRID, seeds=3, base_seed=11, executor="dask",
                     address=dask_address, store=tmp_path / "d", progress=False)
    _same(serial, procs)
    _same(serial, dask)
    _same(serial, dyn.load_sweep(tmp_path / "d"))
    assert serial.n_tasks == 30 and serial.complete
    # columns
    assert serial["draws"].shape == (30, 4)
    assert serial["a"].tolist() == [a for a in range(5) for _ in "uv" for _ in range(3)]
    mean = serial.aggregate("y")
    assert mean["count"].tolist() == [3] * 10 and mean["a"].shape == (10,)
    # a different base seed gives different draws
    other = dyn.sweep(noisy_quadratic, GRID, seeds=3, base_seed=12, progress=False)
    assert not np.array_equal(other["y"], serial["y"])


def test_dask_local_cluster_started_by_sweep(tmp_path):
    pytest.importorskip("distributed")
    serial = dyn.sweep(noisy_quadratic, {"a": [1, 2, 3]}, seeds=2, progress=False)
    dask = dyn.sweep(noisy_quadratic, {"a": [1, 2, 3]}, seeds=2, executor="dask",
                     n_workers=2, progress=False)
    _same(serial, dask)


@pytest.mark.parametrize("executor", ["serial", "processes", "dask"])
def test_failing_task_is_recorded_others_finish_and_retry_reruns_only_it(
    tmp_path, executor, dask_address
):
    log = tmp_path / "calls.log"
    flag = tmp_path / "fail-now"
    flag.touch()
    grid = {"a": [1, 2, 3, 4], "log": [str(log)], "fail_flag": [str(flag)]}
    kw = {"store": tmp_path / "store", "executor": executor, "progress": False}
    if executor == "dask":
        kw["address"] = dask_address
    with pytest.warns(RuntimeWarning, match="1 of 4 tasks failed"):
        res = dyn.sweep(logged, grid, **kw)
    assert len(res) == 3 and [r["a"] for r in res] == [1, 2, 4]
    assert len(res.failed) == 1 and res.failed[0]["params"]["a"] == 3
    assert "RuntimeError: task a=3 told to fail" in res.failed[0]["error"]
    assert 'raise RuntimeError(f"task a=3' in res.failed[0]["traceback"]
    assert not res.complete
    # resuming without retry_failed reruns nothing
    with pytest.warns(RuntimeWarning):
        again = dyn.sweep(logged, grid, **kw)
    assert len(again.failed) == 1
    assert sorted(log.read_text().split()) == ["1", "2", "3", "4"]
    # retry: only the failed task runs, and it now succeeds
    flag.unlink()
    fixed = dyn.sweep(logged, grid, retry_failed=True, **kw)
    assert sorted(log.read_text().split()) == ["1", "2", "3", "3", "4"]
    assert fixed.complete and not fixed.failed and [r["a"] for r in fixed] == [1, 2, 3, 4]
    reference = dyn.sweep(logged, grid, progress=False)  # uninterrupted, in memory
    np.testing.assert_array_equal(fixed["y"], reference["y"])


def test_bad_return_values_are_task_failures():
    with pytest.warns(RuntimeWarning):
        res = dyn.sweep(returns_list, {"a": [1]}, progress=False)
    assert "fn must return a dict" in res.failed[0]["error"]
    with pytest.warns(RuntimeWarning):
        res = dyn.sweep(clashing_key, {"a": [1]}, progress=False)
    assert "clashes with a parameter name" in res.failed[0]["error"]


def test_unpicklable_functions_are_rejected_for_worker_executors():
    def nested(params, seed):
        return {"x": 1}

    for fn in (nested, lambda p, s: {"x": 1}):
        with pytest.raises(TypeError, match="fn: .* cannot be pickled.*top level"):
            dyn.sweep(fn, {"a": [1]}, executor="processes", progress=False)
        # serial needs no pickling
        assert dyn.sweep(fn, {"a": [1]}, progress=False)[0]["x"] == 1


def test_function_missing_on_the_workers_is_a_clear_error(tmp_path, dask_address):
    module = tmp_path / "only_here_mod.py"
    module.write_text(textwrap.dedent("""
        def f(params, seed):
            return {"x": params["a"]}
    """))
    sys.path.insert(0, str(tmp_path))  # after the workers started: they cannot import it
    try:
        import only_here_mod

        with pytest.raises(RuntimeError, match="workers could not load only_here_mod.f"):
            dyn.sweep(only_here_mod.f, {"a": [1, 2]}, executor="dask", address=dask_address,
                      progress=False)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("only_here_mod", None)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"executor": "threads"}, ValueError, "executor: expected one of \\['serial', 'processes'"),
        ({"address": "tcp://x:1"}, ValueError, "address: only used with executor='dask'"),
        ({"executor": "dask", "address": 5}, TypeError, "address: expected"),
        ({"n_workers": 2}, ValueError, "n_workers: not used with executor='serial'"),
        ({"executor": "processes", "n_workers": 0}, ValueError, "n_workers: expected a positive"),
        ({"executor": "processes", "n_workers": 1.5}, TypeError, "n_workers"),
        ({"seeds": 0}, ValueError, "seeds: expected a positive integer"),
        ({"seeds": [1, 1]}, ValueError, "seeds: replicate indices repeat"),
        ({"seeds": "3"}, TypeError, "seeds"),
        ({"seeds": [0, -1]}, ValueError, r"seeds \(replicate index\): expected an int >= 0"),
        ({"seeds": [0, 1.5]}, TypeError, r"seeds \(replicate index\): .*got float"),
        ({"base_seed": -1}, ValueError, "base_seed"),
        ({"store": 3}, TypeError, "store: expected a folder path"),
        ({"resume": "yes"}, TypeError, "resume: expected True or False"),
        ({"retry_failed": 1}, TypeError, "retry_failed: expected True or False"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        dyn.sweep(noisy_quadratic, {"a": [1]}, progress=False, **kwargs)


def test_bad_fn_and_grid():
    with pytest.raises(TypeError, match="fn: expected a callable"):
        dyn.sweep("noisy_quadratic", {"a": [1]})
    with pytest.raises(ValueError, match="grid: expected at least one parameter"):
        dyn.sweep(noisy_quadratic, {})
    with pytest.raises(TypeError, match=r"grid\['a'\]: expected a list"):
        dyn.sweep(noisy_quadratic, {"a": 1})


def test_missing_dask_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    with pytest.raises(ImportError, match=r'pip install "dynamics\[dist\]"'):
        dyn.sweep(noisy_quadratic, {"a": [1]}, executor="dask", progress=False)


def test_explicit_replicates_extend_a_sweep(tmp_path):
    first = dyn.sweep(noisy_quadratic, {"a": [1, 2]}, seeds=2, store=tmp_path, progress=False)
    more = dyn.sweep(noisy_quadratic, {"a": [1, 2]}, seeds=range(4), store=tmp_path,
                     progress=False)
    assert [r["replicate"] for r in more] == [0, 1, 2, 3] * 2
    np.testing.assert_array_equal(more.where(replicate=0)["y"], first.where(replicate=0)["y"])
    assert len(dyn.load_sweep(tmp_path)) == 8


def test_progress_bar_shows_done_failed_remaining(tmp_path, capsys):
    flag = tmp_path / "flag"
    flag.touch()
    grid = {"a": [1, 2, 3], "log": [str(tmp_path / "log")], "fail_flag": [str(flag)]}
    with pytest.warns(RuntimeWarning):
        dyn.sweep(logged, grid, progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "done=2" in err and "failed=1" in err and "remaining=0" in err
    assert "task failed, params={'a': 3" in err


def test_complete_store_returns_without_starting_workers(tmp_path, monkeypatch):
    from dynamics.sweeps import executors

    first = dyn.sweep(noisy_quadratic, {"a": [1, 2]}, store=tmp_path, progress=False)

    def no_pool(n_workers):
        raise AssertionError("a process pool was started for a complete store")

    monkeypatch.setattr(executors, "_new_pool", no_pool)
    again = dyn.sweep(noisy_quadratic, {"a": [1, 2]}, store=tmp_path, executor="processes",
                      n_workers=2, progress=False)
    np.testing.assert_array_equal(first["y"], again["y"])


def test_complete_store_does_not_connect_to_dask(tmp_path):
    pytest.importorskip("distributed")
    first = dyn.sweep(noisy_quadratic, {"a": [1, 2]}, store=tmp_path, progress=False)
    # no scheduler listens there: nothing may try to connect, since no task is left
    again = dyn.sweep(noisy_quadratic, {"a": [1, 2]}, store=tmp_path, executor="dask",
                      address="tcp://127.0.0.1:9", progress=False)
    np.testing.assert_array_equal(first["y"], again["y"])


def test_a_crashing_worker_process_fails_its_tasks_and_the_pool_restarts(tmp_path):
    from sweep_tasks import crashes

    flag = tmp_path / "crash"
    flag.touch()
    grid = {"a": list(range(10)), "crash_flag": [str(flag)]}
    kw = {"store": tmp_path / "store", "executor": "processes", "n_workers": 2,
          "progress": False}
    with pytest.warns(RuntimeWarning, match="tasks failed"):
        res = dyn.sweep(crashes, grid, **kw)
    failed = {f["params"]["a"] for f in res.failed}
    assert 2 in failed and len(failed) <= 4  # the crashing task and others then in flight
    assert all("worker process died" in f["error"] for f in res.failed)
    assert len(res) + len(res.failed) == 10  # the sweep went on after the crash
    flag.unlink()
    again = dyn.sweep(crashes, grid, retry_failed=True, **kw)
    assert again.complete and again["y"].tolist() == list(range(10))
