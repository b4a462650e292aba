"""Behaviour of the cells API: shapes, options, dtypes, bad input, state dicts, training."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dynamics as dyn

KINDS = ["RNN", "LSTM", "GRU"]


def make(kind, *args, **kwargs):
    return getattr(dyn, kind)(*args, **kwargs)


# ---------------------------------------------------------------- shapes and conventions
@pytest.mark.parametrize("kind", KINDS)
def test_parameter_names_shapes_and_init_range(kind):
    m = make(kind, 3, 5, num_layers=2, bidirectional=True, seed=0)
    G = {"RNN": 1, "LSTM": 4, "GRU": 3}[kind] * 5
    p = m.parameters()
    assert p["weight_ih_l0"].shape == (G, 3)
    assert p["weight_ih_l1_reverse"].shape == (G, 10)
    assert p["weight_hh_l1"].shape == (G, 5)
    assert p["bias_hh_l0_reverse"].shape == (G,)
    assert len(p) == 16
    for v in p.values():
        assert np.all(np.abs(v) <= 1 / np.sqrt(5))
    assert list(m.state_dict()) == list(p)


def test_peephole_parameters():
    m = dyn.LSTM(2, 3, peephole=True, bidirectional=True, seed=0)
    for name in ["weight_ci_l0", "weight_cf_l0", "weight_co_l0_reverse"]:
        assert m.parameters()[name].shape == (3,)


@pytest.mark.parametrize("kind", KINDS)
def test_shapes_batch_first_and_unbatched_agree(kind):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 3, 2))
    a = make(kind, 2, 4, num_layers=2, bidirectional=True, seed=3)
    b = make(kind, 2, 4, num_layers=2, bidirectional=True, batch_first=True, seed=3)
    out_a, st_a = a.forward(x)
    out_b, st_b = b.forward(x.transpose(1, 0, 2))
    assert out_a.shape == (6, 3, 8)
    np.testing.assert_allclose(out_b, out_a.transpose(1, 0, 2), atol=1e-14)
    out_u, st_u = a.forward(x[:, 1])
    assert out_u.shape == (6, 8)
    np.testing.assert_allclose(out_u, out_a[:, 1], atol=1e-14)
    h_a = st_a[0] if kind == "LSTM" else st_a
    h_u = st_u[0] if kind == "LSTM" else st_u
    assert h_a.shape == (4, 3, 4) and h_u.shape == (4, 4)
    np.testing.assert_allclose(h_u, h_a[:, 1], atol=1e-14)
    gx, _ = b.backward(np.ones_like(out_b))
    assert gx.shape == (3, 6, 2)


def test_seed_reproducible_and_generator_accepted():
    a = dyn.GRU(2, 3, seed=11).state_dict()
    b = dyn.GRU(2, 3, seed=11).state_dict()
    c = dyn.GRU(2, 3, seed=np.random.default_rng(11)).state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
        np.testing.assert_array_equal(a[k], c[k])


@settings(max_examples=25, deadline=None)
@given(T=st.integers(1, 6), B=st.integers(1, 4), kind=st.sampled_from(KINDS),
       seed=st.integers(0, 1000))
def test_batch_items_are_independent_and_reverse_is_flipped_forward(T, B, kind, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, B, 2))
    bi = make(kind, 2, 3, bidirectional=True, seed=seed)
    fwd = make(kind, 2, 3, seed=0)
    out, _ = bi.forward(x)
    # each batch element alone gives the same result
    for b in range(B):
        np.testing.assert_allclose(bi.forward(x[:, b])[0], out[:, b], atol=1e-13)
    # the reverse direction is the forward recurrence on the time-reversed input
    sd = bi.state_dict()
    fwd.load_state_dict({k.replace("_reverse", ""): v for k, v in sd.items()
                         if k.endswith("_reverse")})
    np.testing.assert_allclose(fwd.forward(x[::-1].copy())[0][::-1], out[:, :, 3:],
                               atol=1e-13)


def test_gru_reset_after_false_differs_and_is_cho_equation():
    rng = np.random.default_rng(1)
    m = dyn.GRU(2, 3, reset_after=False, seed=2)
    x = rng.standard_normal((1, 1, 2))
    h0 = rng.standard_normal((1, 1, 3))
    out, _ = m.forward(x, h0)
    p = {k[:-3]: v for k, v in m.parameters().items()}
    W_ir, W_iz, W_in = np.split(p["weight_ih"], 3)
    W_hr, W_hz, W_hn = np.split(p["weight_hh"], 3)
    b_ir, b_iz, b_in = np.split(p["bias_ih"], 3)
    b_hr, b_hz, b_hn = np.split(p["bias_hh"], 3)
    xv, h = x[0, 0], h0[0, 0]

    def sig(a):
        return 1 / (1 + np.exp(-a))

    r = sig(W_ir @ xv + b_ir + W_hr @ h + b_hr)
    z = sig(W_iz @ xv + b_iz + W_hz @ h + b_hz)
    n = np.tanh(W_in @ xv + b_in + W_hn @ (r * h) + b_hn)
    np.testing.assert_allclose(out[0, 0], (1 - z) * n + z * h, atol=1e-14)
    m2 = dyn.GRU(2, 3, reset_after=True, seed=2)
    assert not np.allclose(m2.forward(x, h0)[0], out)


def test_peephole_zero_weights_equal_plain_lstm():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 2, 3))
    plain = dyn.LSTM(3, 4, seed=0)
    peep = dyn.LSTM(3, 4, peephole=True, seed=1)
    sd = plain.state_dict()
    sd.update({k: np.zeros(4) for k in ["weight_ci_l0", "weight_cf_l0", "weight_co_l0"]})
    peep.load_state_dict(sd)
    np.testing.assert_allclose(peep.forward(x)[0], plain.forward(x)[0], atol=1e-15)
    peep.parameters()["weight_co_l0"][:] = 0.5
    assert not np.allclose(peep.forward(x)[0], plain.forward(x)[0])


# ---------------------------------------------------------------- float32
@pytest.mark.parametrize("kind", KINDS)
def test_float32_matches_float64(kind):
    rng = np.random.default_rng(3)
    m64 = make(kind, 3, 8, num_layers=2, bidirectional=True, seed=4)
    m32 = make(kind, 3, 8, num_layers=2, bidirectional=True, seed=4, dtype=np.float32)
    m32.load_state_dict(m64.state_dict())
    x = rng.standard_normal((10, 4, 3))
    out64, _ = m64.forward(x)
    out32, _ = m32.forward(x.astype(np.float32))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, out64, atol=1e-5)
    R = rng.standard_normal(out64.shape)
    gx64, gp64 = m64.backward(R)
    gx32, gp32 = m32.backward(R.astype(np.float32))
    assert gx32.dtype == np.float32
    np.testing.assert_allclose(gx32, gx64, atol=1e-4)
    for k in gp64:
        assert gp32[k].dtype == np.float32
        np.testing.assert_allclose(gp32[k], gp64[k], atol=2e-4, rtol=1e-4, err_msg=k)


# ---------------------------------------------------------------- bad input
def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="hidden_size"):
        dyn.RNN(2, 0)
    with pytest.raises(ValueError, match="nonlinearity"):
        dyn.RNN(2, 3, nonlinearity="sigmoid")
    with pytest.raises(TypeError, match="dtype"):
        dyn.LSTM(2, 3, dtype=np.int32)
    with pytest.raises(ValueError, match="bptt_truncate"):
        dyn.GRU(2, 3, bptt_truncate=0)
    with pytest.raises(TypeError, match="seed"):
        dyn.GRU(2, 3, seed="abc")


@pytest.mark.parametrize("kind", KINDS)
def test_bad_inputs_raise_before_computing(kind):
    m = make(kind, 3, 4, num_layers=2, seed=0)
    x = np.zeros((5, 2, 3))
    with pytest.raises(ValueError, match=r"x: expected last dimension input_size=3.*\(5, 2, 4\)"):
        m.forward(np.zeros((5, 2, 4)))
    with pytest.raises(ValueError, match=r"x: expected shape"):
        m.forward(np.zeros((5, 2, 3, 1)))
    with pytest.raises(TypeError, match="x: expected dtype float64.*float32"):
        m.forward(x.astype(np.float32))
    bad = x.copy()
    bad[2, 1, 0] = np.nan
    with pytest.raises(ValueError, match="x: expected finite values, found 1 NaN"):
        m.forward(bad)
    wrong = np.zeros((1, 2, 4))
    if kind == "LSTM":
        with pytest.raises(ValueError, match=r"state\[0\] \(h_0\): expected shape \(2, 2, 4\), "
                                             r"got \(1, 2, 4\)"):
            m.forward(x, (wrong, np.zeros((2, 2, 4))))
        with pytest.raises(ValueError, match=r"state\[1\] \(c_0\)"):
            m.forward(x, (np.zeros((2, 2, 4)), wrong))
        with pytest.raises(TypeError, match="tuple"):
            m.forward(x, np.zeros((2, 2, 4)))
    else:
        with pytest.raises(ValueError, match=r"state: expected shape \(2, 2, 4\), got \(1, 2, 4\)"):
            m.forward(x, wrong)
        with pytest.raises(TypeError, match="state: expected dtype float64"):
            m.forward(x, np.zeros((2, 2, 4), dtype=np.float32))
    m32 = make(kind, 3, 4, dtype=np.float32)
    with pytest.raises(TypeError, match="x: expected dtype float32.*float64"):
        m32.forward(x)


def test_backward_checks():
    m = dyn.GRU(3, 4, seed=0)
    with pytest.raises(RuntimeError, match="forward first"):
        m.backward(np.zeros((5, 2, 4)))
    m.forward(np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match=r"grad_output: expected shape \(5, 2, 4\)"):
        m.backward(np.zeros((5, 2, 5)))
    with pytest.raises(ValueError, match=r"grad_state: expected shape \(1, 2, 4\)"):
        m.backward(None, np.zeros((2, 2, 4)))


def test_load_state_dict_errors_name_key_and_shapes():
    m = dyn.LSTM(3, 4, seed=0)
    before = m.state_dict()
    sd = m.state_dict()
    sd["weight_hh_l0"] = np.zeros((16, 5))
    with pytest.raises(ValueError, match=r"'weight_hh_l0': expected shape \(16, 4\), "
                                         r"got shape \(16, 5\)"):
        m.load_state_dict(sd)
    sd = m.state_dict()
    del sd["bias_ih_l0"]
    with pytest.raises(ValueError, match=r"missing key 'bias_ih_l0' \(expected shape \(16,\)\)"):
        m.load_state_dict(sd)
    sd = m.state_dict()
    sd["weight_ih_l1"] = np.zeros((16, 4))
    sd["bias_hh_l0"] = np.ones(16)  # valid entry must not be applied when another fails
    with pytest.raises(ValueError, match=r"unexpected key 'weight_ih_l1' \(shape \(16, 4\)"):
        m.load_state_dict(sd)
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    model = dyn.SequenceModel(m, dyn.Linear(4, 1, seed=0))
    sd = model.state_dict()
    sd["readout.weight"] = np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"'readout.weight': expected shape \(1, 4\)"):
        model.load_state_dict(sd)


def test_state_dict_is_a_copy_and_parameters_are_live():
    m = dyn.RNN(2, 3, seed=0)
    sd = m.state_dict()
    sd["weight_hh_l0"][:] = 0
    assert np.any(m.parameters()["weight_hh_l0"] != 0)
    m.parameters()["weight_hh_l0"][:] = 0
    assert np.all(m.state_dict()["weight_hh_l0"] == 0)


# ---------------------------------------------------------------- truncated BPTT
@pytest.mark.parametrize("kind", KINDS)
def test_truncated_bptt_equals_chunked_gradient(kind):
    rng = np.random.default_rng(8)
    T, k = 10, 3
    rnn = make(kind, 2, 3, seed=1)
    model = dyn.SequenceModel(rnn, dyn.Linear(3, 1, seed=2), output="all")
    x = rng.standard_normal((T, 2, 2))
    y = rng.standard_normal((T, 2, 1))

    def sum_loss(pred, target):
        d = pred - target
        return float(np.sum(d * d)), 2 * d

    res = dyn.truncated_bptt(model, sum_loss, x, y, k)
    assert len(res.loss) == 4
    rnn.bptt_truncate = k
    pred = model.forward(x)
    _, g = sum_loss(pred, y)
    _, grads = model.backward(g)
    for name, v in grads.items():
        np.testing.assert_allclose(res.grads[name], v, atol=1e-12, err_msg=name)
    rnn.bptt_truncate = None
    _, full = model.backward(g)
    assert not np.allclose(full["rnn.weight_hh_l0"], grads["rnn.weight_hh_l0"])
    # the carried state equals the final state of one pass over the whole sequence
    final = res.state[0] if kind == "LSTM" else res.state
    whole = model.state[0] if kind == "LSTM" else model.state
    np.testing.assert_allclose(final, whole, atol=1e-14)


def test_truncation_longer_than_sequence_is_exact():
    rng = np.random.default_rng(9)
    m = dyn.LSTM(2, 3, bidirectional=True, seed=0)
    x = rng.standard_normal((5, 2, 2))
    out, _ = m.forward(x)
    R = rng.standard_normal(out.shape)
    _, exact = m.backward(R)
    m.bptt_truncate = 5
    _, cut = m.backward(R)
    for k in exact:
        np.testing.assert_allclose(cut[k], exact[k], atol=1e-14)


# ---------------------------------------------------------------- optimizers, clipping, fit
def test_sgd_momentum_and_adam_follow_their_equations():
    p = {"w": np.array([1.0, -2.0])}
    opt = dyn.SGD(p, lr=0.1, momentum=0.9)
    opt.step({"w": np.array([1.0, 1.0])})
    np.testing.assert_allclose(p["w"], [0.9, -2.1])
    opt.step({"w": np.array([1.0, 1.0])})
    np.testing.assert_allclose(p["w"], [0.9 - 0.19, -2.1 - 0.19])
    q = {"w": np.array([1.0, -2.0])}
    adam = dyn.Adam(q, lr=0.01)
    adam.step({"w": np.array([3.0, -0.5])})
    np.testing.assert_allclose(q["w"], [0.99, -1.99], atol=1e-7)  # first step moves by lr
    with pytest.raises(ValueError, match="grads: key 'v'"):
        adam.step({"v": np.zeros(2)})
    with pytest.raises(ValueError, match=r"grads\['w'\]: expected shape \(2,\)"):
        adam.step({"w": np.zeros(3)})


def test_clipping():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    norm = dyn.clip_grad_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    assert dyn.global_norm(grads) == pytest.approx(1.0, rel=1e-5)
    small = {"a": np.array([0.3, 0.4])}
    assert dyn.clip_grad_norm(small, 1.0) == pytest.approx(0.5)
    np.testing.assert_allclose(small["a"], [0.3, 0.4])
    g = {"a": np.array([-3.0, 0.5, 2.0])}
    dyn.clip_grad_value(g, 1.0)
    np.testing.assert_allclose(g["a"], [-1.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="max_norm"):
        dyn.clip_grad_norm(g, 0.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fit_learns_a_sum_task(dtype):
    rng = np.random.default_rng(0)
    model = dyn.SequenceModel(dyn.GRU(1, 8, seed=0, dtype=dtype),
                              dyn.Linear(8, 1, seed=1, dtype=dtype))
    opt = dyn.Adam(model.parameters(), lr=0.02)

    def batches(step):
        x = rng.uniform(-1, 1, (8, 16, 1)).astype(dtype)
        return x, x.sum(axis=0)

    hist = dyn.fit(model, dyn.mse_loss, opt, batches, 150, clip_norm=5.0, progress=False)
    assert hist.status == "ok" and hist.n_steps == 150
    assert len(hist.grad_norm) == 150
    assert np.mean(hist.loss[-10:]) < 0.1 * np.mean(hist.loss[:10])


def test_fit_with_list_cycles_and_iterator_stops_and_divergence_is_reported():
    rng = np.random.default_rng(1)
    data = [(rng.standard_normal((4, 2, 1)), rng.standard_normal((2, 1))) for _ in range(3)]
    model = dyn.SequenceModel(dyn.RNN(1, 4, seed=0), dyn.Linear(4, 1, seed=0))
    hist = dyn.fit(model, dyn.mse_loss, dyn.SGD(model.parameters(), lr=0.01), data, 7,
                   clip_value=1.0, progress=False)
    assert hist.n_steps == 7
    hist = dyn.fit(model, dyn.mse_loss, dyn.SGD(model.parameters(), lr=0.01), iter(data), 7,
                   progress=False)
    assert hist.n_steps == 3 and "exhausted" in hist.message
    before = model.state_dict()

    def inf_loss(pred, target):
        return float("inf"), np.zeros_like(pred)

    hist = dyn.fit(model, inf_loss, dyn.SGD(model.parameters(), lr=0.01), data, 5,
                   progress=False)
    assert hist.status == "diverged" and hist.n_steps == 0
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_loss_input_checks():
    with pytest.raises(ValueError, match="target: expected the shape"):
        dyn.mse_loss(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"targets: expected labels in \[0, 3\)"):
        dyn.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(TypeError, match="targets: expected integer"):
        dyn.softmax_cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0]))


def test_linear_any_leading_dims_and_checks():
    rng = np.random.default_rng(2)
    lin = dyn.Linear(3, 2, seed=0)
    x = rng.standard_normal((4, 5, 3))
    y = lin.forward(x)
    np.testing.assert_allclose(y, x @ lin.parameters()["weight"].T + lin.parameters()["bias"])
    gx, gp = lin.backward(np.ones_like(y))
    assert gx.shape == x.shape and gp["weight"].shape == (2, 3)
    with pytest.raises(ValueError, match=r"x: expected shape \(\.\.\., 3\)"):
        lin.forward(np.zeros((4, 2)))


def test_cell_tape_errors():
    cell = dyn.GRUCell(2, 3, seed=0)
    with pytest.raises(RuntimeError, match="tape"):
        cell.backward(np.zeros(3))
    cell.forward(np.zeros(2))
    with pytest.raises(ValueError, match=r"grad_state: expected shape \(3,\)"):
        cell.backward(np.zeros((1, 3)))
    assert cell.tape_length == 1
    cell.reset()
    assert cell.tape_length == 0
    with pytest.raises(ValueError, match=r"x: expected shape \(B, 2\)"):
        cell.forward(np.zeros(3))


@pytest.mark.parametrize("kind", KINDS)
def test_repeated_calls_do_not_overwrite_earlier_results(kind):
    rng = np.random.default_rng(10)
    m = make(kind, 2, 3, num_layers=2, bidirectional=True, seed=0)
    x1, x2 = rng.standard_normal((2, 6, 4, 2))
    out1, st1 = m.forward(x1)
    g1 = m.backward(np.ones_like(out1))
    keep = (out1.copy(), g1[0].copy(), {k: v.copy() for k, v in g1[1].items()})
    out2, _ = m.forward(x2)
    g2 = m.backward(np.ones_like(out2))
    np.testing.assert_array_equal(out1, keep[0])
    np.testing.assert_array_equal(g1[0], keep[1])
    for k, v in g1[1].items():
        np.testing.assert_array_equal(v, keep[2][k])
    assert not np.allclose(g2[0], keep[1])
    fresh = make(kind, 2, 3, num_layers=2, bidirectional=True, seed=0)
    np.testing.assert_array_equal(fresh.forward(x2)[0], out2)


def test_blas_thread_setting_does_not_change_results():
    rng = np.random.default_rng(11)
    m = dyn.LSTM(3, 8, seed=0)
    x = rng.standard_normal((7, 5, 3))
    out1, _ = m.forward(x)
    g1 = m.backward(np.ones_like(out1))[1]
    assert dyn.get_blas_threads() == 1
    try:
        dyn.set_blas_threads(2)
        out2, _ = m.forward(x)
        g2 = m.backward(np.ones_like(out2))[1]
    finally:
        dyn.set_blas_threads(1)
    np.testing.assert_allclose(out2, out1, atol=1e-14)
    for k in g1:
        np.testing.assert_allclose(g2[k], g1[k], atol=1e-12)
    with pytest.raises(ValueError, match="n: expected a positive integer"):
        dyn.set_blas_threads(0)


def test_fit_progress_bar_on_a_terminal(monkeypatch):
    import io
    import sys

    class FakeTTY(io.StringIO):
        def isatty(self):
            return True

    fake = FakeTTY()
    monkeypatch.setattr(sys, "stderr", fake)
    rng = np.random.default_rng(3)
    data = [(rng.standard_normal((4, 2, 1)), rng.standard_normal((2, 1)))]
    model = dyn.SequenceModel(dyn.RNN(1, 3, seed=0), dyn.Linear(3, 1, seed=0))
    hist = dyn.fit(model, dyn.mse_loss, dyn.SGD(model.parameters(), lr=0.01), data, 3)
    assert hist.n_steps == 3
    assert "loss=" in fake.getvalue()
    quiet = FakeTTY()
    monkeypatch.setattr(sys, "stderr", quiet)
    dyn.fit(model, dyn.mse_loss, dyn.SGD(model.parameters(), lr=0.01), data, 3, progress=False)
    assert quiet.getvalue() == ""
