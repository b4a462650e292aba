"""Damaged and tampered stores, reserved names, unwritable stores: detected, never a crash."""

from __future__ import annotations

import errno
import json
import warnings

import numpy as np
import pytest
from sweep_tasks import logged

import dynamics as dyn
from dynamics.cli import main
from dynamics.sweeps import store as store_mod
from dynamics.sweeps.store import SweepStore, record_checksum


def _grid(tmp_path):
    return {"a": [1, 2, 3, 4], "log": [str(tmp_path / "calls.log")]}


def _run(tmp_path, store, **kw):
    return dyn.sweep(logged, _grid(tmp_path), store=store, progress=False, **kw)


def _lines(store):
    return (store / "results.jsonl").read_bytes().split(b"\n")[:-1]


def _write_lines(store, lines):
    (store / "results.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))


def _calls(tmp_path):
    return (tmp_path / "calls.log").read_text().split()


@pytest.fixture
def full(tmp_path):
    """A complete 4-task store and its result; the call log emptied."""
    store = tmp_path / "store"
    res = _run(tmp_path, store)
    (tmp_path / "calls.log").write_text("")
    return store, res


def _resume_redoes(tmp_path, store, res, task_a, match):
    """load_sweep skips the damaged task with a warning; resume warns, redoes only it."""
    with pytest.warns(dyn.StoreWarning, match=match):
        partial = dyn.load_sweep(store)
    assert task_a not in [r["a"] for r in partial]
    assert len(partial) == 3
    with pytest.warns(dyn.StoreWarning, match=match):
        again = _run(tmp_path, store)
    assert _calls(tmp_path) == [str(task_a)]
    np.testing.assert_array_equal(again["y"], res["y"])
    np.testing.assert_array_equal(again["trace"], res["trace"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the repaired store reads cleanly
        assert len(dyn.load_sweep(store)) == 4


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_damaged_npz_is_moved_aside_and_its_task_redone(tmp_path, full, damage):
    store, res = full
    rec = json.loads(_lines(store)[1])
    path = store / rec["arrays"]
    blob = bytearray(path.read_bytes())
    if damage == "truncate":
        blob = blob[: len(blob) // 2]
    else:
        blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))
    _resume_redoes(tmp_path, store, res, 2, "line 2 is damaged.*arrays file .* damaged")
    assert path.with_name(path.name + ".corrupt").read_bytes() == bytes(blob)


def _edit(obj, field, value):
    obj[field] = value


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("params", 5, "params is a int"),
        ("result", [1, 2], "result is a list"),
        ("replicate", "0", "replicate"),
        ("seed", 1e999, "seed"),
        ("status", 1, "unknown status"),
        ("wall_time", "fast", "wall_time"),
        ("task_id", None, "task_id"),
    ],
)
def test_wrongly_typed_fields_are_damage(tmp_path, full, field, value, reason):
    store, res = full
    lines = _lines(store)
    obj = json.loads(lines[2])
    obj[field] = value
    obj["checksum"] = record_checksum(obj)  # even with a matching checksum
    lines[2] = json.dumps(obj).encode()
    _write_lines(store, lines)
    _resume_redoes(tmp_path, store, res, 3, f"line 3 is damaged.*{reason}")


@pytest.mark.parametrize(
    "line",
    [
        b'{"task_id": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",  # deeply nested
        b'{"seed": 1' + b"0" * 20_000 + b"}",  # an int too long to parse
        b"\xff\xfe not utf-8",
    ],
    ids=["nested", "huge-number", "bytes"],
)
def test_unparseable_lines_are_damage(tmp_path, full, line):
    store, res = full
    lines = _lines(store)
    lines[3] = line
    _write_lines(store, lines)
    _resume_redoes(tmp_path, store, res, 4, "line 4 is damaged.*not valid JSON")


def test_a_changed_digit_in_a_result_or_a_seed_is_detected(tmp_path, full):
    store, res = full
    lines = _lines(store)
    obj = json.loads(lines[0])
    text = lines[0].decode()
    y = repr(obj["result"]["y"])
    lines[0] = text.replace(y, y[:-1] + ("1" if y[-1] != "1" else "2")).encode()
    _write_lines(store, lines)
    _resume_redoes(tmp_path, store, res, 1, "line 1 is damaged.*checksum")
    # a changed seed with a recomputed checksum is caught by the seed check
    (tmp_path / "calls.log").write_text("")
    lines = _lines(store)
    k = next(i for i, line in enumerate(lines) if json.loads(line)["params"]["a"] == 1)
    obj = json.loads(lines[k])
    obj["seed"] += 1
    obj["checksum"] = record_checksum(obj)
    lines[k] = json.dumps(obj).encode()
    _write_lines(store, lines)
    _resume_redoes(tmp_path, store, res, 1, f"line {k + 1} is damaged.*seed is not the task")


@pytest.mark.parametrize("rel", ["arrays/../../secret.npz", "/tmp/secret.npz",
                                 "arrays/sub/x.npz", "secret.npz"])
def test_arrays_paths_outside_the_store_array_folder_are_refused(tmp_path, full, rel):
    store, res = full
    secret = tmp_path / "secret.npz"
    np.savez(secret, trace=np.array([42.0, 42.0, 42.0]))
    lines = _lines(store)
    obj = json.loads(lines[1])
    if rel.startswith("/tmp"):
        rel = str(secret)
    obj["arrays"] = rel
    obj["arrays_sha256"] = store_mod._file_sha256(secret)
    obj["checksum"] = record_checksum(obj)
    lines[1] = json.dumps(obj).encode()
    _write_lines(store, lines)
    _resume_redoes(tmp_path, store, res, 2, "line 2 is damaged.*arrays path")


def test_truncated_sweep_json_is_set_aside_and_nothing_is_lost(tmp_path, full):
    store, res = full
    meta = (store / "sweep.json").read_bytes()
    (store / "sweep.json").write_bytes(meta[: len(meta) // 2])
    with pytest.warns(dyn.StoreWarning, match="sweep.json is damaged"):
        read = dyn.load_sweep(store)
    assert sorted(r["a"] for r in read) == [1, 2, 3, 4]
    with pytest.warns(dyn.StoreWarning, match="sweep.json is damaged.*moved to"):
        again = _run(tmp_path, store)
    assert _calls(tmp_path) == []  # every record still checks against the new metadata
    np.testing.assert_array_equal(again["y"], res["y"])
    assert (store / "sweep.json.corrupt").read_bytes() == meta[: len(meta) // 2]
    assert json.loads((store / "sweep.json").read_text())["base_seed"] == 0


def test_resume_with_another_base_seed_after_losing_sweep_json_redoes_all(tmp_path, full):
    store, _ = full
    (store / "sweep.json").write_text("{")
    with pytest.warns(dyn.StoreWarning, match="seed is not the task seed"):
        _run(tmp_path, store, base_seed=5)
    assert sorted(_calls(tmp_path)) == ["1", "2", "3", "4"]


@pytest.mark.parametrize("name", ["seed", "replicate", "wall_time", "task_id", "status",
                                  "error", "traceback", "worker"])
def test_reserved_parameter_names_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match=f"grid: parameter name '{name}' is reserved"):
        dyn.sweep(logged, {name: [7, 8], "a": [1]}, store=tmp_path / "s", progress=False)
    assert not (tmp_path / "s").exists()  # refused before anything is written
    with pytest.raises(ValueError, match="reserved"):
        dyn.sweep(logged, [{"a": 1, name: 1}], progress=False)


def _raise(err):
    def fake(*args, **kwargs):
        raise OSError(err, "simulated: " + errno.errorcode[err])
    return fake


def test_read_only_store_is_a_clear_error(tmp_path, monkeypatch):
    store = tmp_path / "ro"
    store.mkdir()
    monkeypatch.setattr(store_mod, "open", _raise(errno.EROFS), raising=False)
    with pytest.raises(dyn.StoreError, match="read-only") as info:
        _run(tmp_path, store)
    assert info.value.reason == "read-only" and str(store) in str(info.value)


def test_disk_full_keeps_what_was_stored(tmp_path, monkeypatch):
    store = tmp_path / "store"
    real = store_mod._durable_write
    count = {"n": 0}

    def fills_up(fh, data):
        count["n"] += 1
        if count["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fh, data)

    monkeypatch.setattr(store_mod, "_durable_write", fills_up)
    with pytest.raises(dyn.StoreError, match="disk is full") as info:
        _run(tmp_path, store)
    assert info.value.reason == "disk-full" and str(store) in str(info.value)
    assert len(dyn.load_sweep(store)) == 2
    monkeypatch.setattr(store_mod, "_durable_write", real)
    (tmp_path / "calls.log").write_text("")
    assert len(_run(tmp_path, store)) == 4
    assert sorted(_calls(tmp_path)) == ["3", "4"]


def test_busy_store_is_a_clear_error(tmp_path):
    store = tmp_path / "store"
    with SweepStore(store, {"fn": "x", "base_seed": 0}, resume=True):
        with pytest.raises(dyn.StoreError, match="another sweep is writing") as info:
            _run(tmp_path, store)
    assert info.value.reason == "busy" and str(store) in str(info.value)


@pytest.fixture
def scenario(tmp_path, monkeypatch):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "square.py").write_text(
        '"""Squares x."""\n\ndef run(out_dir, seed):\n    return {}\n\n'
        "def task(params, seed):\n    return {'y': params['x'] ** 2}\n"
    )
    monkeypatch.setenv("DYNAMICS_SCENARIOS", str(folder))
    return tmp_path


@pytest.mark.parametrize(
    "trouble, code, message",
    [("busy", 3, "another sweep is writing"), ("read-only", 4, "read-only"),
     ("disk-full", 5, "disk is full"), ("io", 6, "I/O error")],
)
def test_cli_store_errors_are_one_line_with_distinct_exit_codes(
    scenario, capsys, monkeypatch, trouble, code, message
):
    out = scenario / "out"
    argv = ["sweep", "square", "--grid", "x=1,2", "--out", str(out), "--executor", "serial",
            "--no-progress"]
    if trouble == "busy":
        holder = SweepStore(out, {"fn": "x", "base_seed": 0}, resume=True)
    else:
        err = {"read-only": errno.EACCES, "disk-full": errno.ENOSPC, "io": errno.EIO}[trouble]
        monkeypatch.setattr(store_mod, "_durable_write", _raise(err))
    try:
        assert main(argv) == code
    finally:
        if trouble == "busy":
            holder.close()
    err_text = capsys.readouterr().err.strip()
    assert err_text.count("\n") == 0, err_text
    assert err_text.startswith("dynamics sweep: error: store ")
    assert message in err_text and str(out) in err_text


def test_cli_reserved_name_exits_2(scenario, capsys):
    argv = ["sweep", "square", "--grid", "seed=1,2", "--out", str(scenario / "o"),
            "--executor", "serial", "--no-progress"]
    assert main(argv) == 2
    assert "'seed' is reserved" in capsys.readouterr().err
