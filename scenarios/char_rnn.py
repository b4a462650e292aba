"""Character-level LSTM on Paradise Lost (Milton, Books I-IV): bits per character and samples.

The model reads one character at a time (one-hot input) and predicts the next one through a
softmax readout, in the manner of Graves (2013) and Karpathy's char-rnn: ``dyn.LSTM`` then
``dyn.Linear`` to the vocabulary, trained with ``dyn.softmax_cross_entropy`` and ``dyn.Adam``
on random windows of the text, with gradient-norm clipping. The text is
``scenarios/data/paradise_lost_books_1-4.txt`` (public domain; see ``scenarios/data/README.md``).
The last 10 % of it is held out.

Reported: bits per character, BPC = cross-entropy in nats / ln 2, on the training batches
(moving average) and on the held-out text (evaluated by running the network over it with its
state carried across chunks), the unigram entropy of the text as a baseline any model must beat,
and samples at a few temperatures (characters drawn from softmax(logits / temperature)).

Set ``DYNAMICS_QUICK=1`` for a seconds-long smoke run (small network, a few steps).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import dynamics as dyn

TEXT_FILE = "paradise_lost_books_1-4.txt"
TEMPERATURES = (0.5, 0.8, 1.0)


def _config() -> dict:
    if os.environ.get("DYNAMICS_QUICK") == "1":
        return {"hidden": 32, "window": 32, "batch": 16, "steps": 30, "eval_every": 15,
                "lr": 5e-3, "clip_norm": 5.0, "val_chars": 2000, "sample_chars": 80}
    return {"hidden": 128, "window": 64, "batch": 32, "steps": 4000, "eval_every": 400,
            "lr": 3e-3, "clip_norm": 5.0, "val_chars": 15600, "sample_chars": 400}


def load_text() -> str:
    """The corpus shipped in ``scenarios/data`` (public-domain Paradise Lost, Books I-IV)."""
    return (Path(__file__).resolve().parent / "data" / TEXT_FILE).read_text(encoding="ascii")


def _one_hot(codes: np.ndarray, vocab: int) -> np.ndarray:
    out = np.zeros((*codes.shape, vocab))
    np.put_along_axis(out, codes[..., None], 1.0, axis=-1)
    return out


def _sequence_cross_entropy(logits: np.ndarray, targets: np.ndarray):
    """Mean softmax cross-entropy over (T, B) positions; gradient in the shape of ``logits``."""
    vocab = logits.shape[-1]
    loss, grad = dyn.softmax_cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
    return loss, np.asarray(grad).reshape(logits.shape)


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def held_out_bpc(rnn, readout, codes: np.ndarray, vocab: int, streams: int = 8,
                 chunk: int = 200) -> float:
    """Bits per character of the model on ``codes``, read as ``streams`` parallel contiguous
    pieces with the LSTM state carried from one chunk to the next."""
    length = (codes.size - 1) // streams
    inputs = codes[: streams * length].reshape(streams, length).T  # (T, B)
    targets = codes[1: streams * length + 1].reshape(streams, length).T
    state = None
    total = 0.0
    for start in range(0, length, chunk):
        x = _one_hot(inputs[start:start + chunk], vocab)
        out, state = rnn.forward(x, state)
        probs = _softmax(readout.forward(out))
        t = targets[start:start + chunk]
        picked = np.take_along_axis(probs, t[..., None], axis=-1)[..., 0]
        total += float(-np.log(np.maximum(picked, 1e-300)).sum())
    return total / (length * streams) / np.log(2.0)


def sample(rnn, readout, chars: list[str], prime: str, n_chars: int, temperature: float,
           rng: np.random.Generator) -> str:
    """Draw ``n_chars`` characters after ``prime`` from softmax(logits / temperature)."""
    index = {c: i for i, c in enumerate(chars)}
    vocab = len(chars)
    codes = np.array([index[c] for c in prime])
    out, state = rnn.forward(_one_hot(codes[:, None], vocab))
    logits = readout.forward(out[-1])[0]
    produced = []
    for _ in range(n_chars):
        p = _softmax(logits / temperature)
        code = int(rng.choice(vocab, p=p))
        produced.append(chars[code])
        out, state = rnn.forward(_one_hot(np.array([[code]]), vocab), state)
        logits = readout.forward(out[-1])[0]
    return prime + "".join(produced)


def run(out_dir: Path, seed: int) -> dict:
    cfg = _config()
    out_dir = Path(out_dir)
    text = load_text()
    chars = sorted(set(text))
    vocab = len(chars)
    index = {c: i for i, c in enumerate(chars)}
    codes = np.array([index[c] for c in text], dtype=np.int64)
    split = int(0.9 * codes.size)
    train_codes, val_codes = codes[:split], codes[split:]
    val_codes = val_codes[: cfg["val_chars"] + 1]

    counts = np.bincount(train_codes, minlength=vocab).astype(float)
    p_unigram = counts / counts.sum()
    p_unigram = p_unigram[p_unigram > 0]
    unigram_bits = float(-(p_unigram * np.log2(p_unigram)).sum())

    rnn_seed, readout_seed = np.random.SeedSequence(seed).generate_state(2)
    rnn = dyn.LSTM(vocab, cfg["hidden"], seed=int(rnn_seed))
    readout = dyn.Linear(cfg["hidden"], vocab, seed=int(readout_seed))
    model = dyn.SequenceModel(rnn, readout, output="all")
    optimizer = dyn.Adam(model.parameters(), lr=cfg["lr"])
    rng = np.random.default_rng([seed, 1])
    window, batch = cfg["window"], cfg["batch"]

    def batches(step):
        starts = rng.integers(0, train_codes.size - window - 1, size=batch)
        offsets = starts[None, :] + np.arange(window)[:, None]  # (T, B)
        return _one_hot(train_codes[offsets], vocab), train_codes[offsets + 1]

    train_loss: list[float] = []
    eval_steps: list[int] = []
    val_bpc: list[float] = []
    start = time.perf_counter()
    done = 0
    while done < cfg["steps"]:
        n = min(cfg["eval_every"], cfg["steps"] - done)
        history = dyn.fit(model, _sequence_cross_entropy, optimizer, batches, n,
                          clip_norm=cfg["clip_norm"], progress=False)
        train_loss.extend(float(v) for v in history.loss)
        done += n
        eval_steps.append(done)
        val_bpc.append(held_out_bpc(rnn, readout, val_codes, vocab))
    seconds = time.perf_counter() - start

    train_bpc = np.asarray(train_loss) / np.log(2.0)
    width = min(cfg["eval_every"], train_bpc.size)
    final_train_bpc = float(np.mean(train_bpc[-width:]))

    sample_rng = np.random.default_rng([seed, 2])
    prime = "Of Man"
    samples = {
        f"{t:g}": sample(rnn, readout, chars, prime, cfg["sample_chars"], t, sample_rng)
        for t in TEMPERATURES
    }
    dyn.atomic_write_text(
        out_dir / "samples.txt",
        "".join(f"=== temperature {t} ===\n{s}\n\n" for t, s in samples.items()),
    )

    fig, ax = plt.subplots(figsize=(7, 4))
    steps = np.arange(1, train_bpc.size + 1)
    ax.plot(steps, train_bpc, color="tab:blue", alpha=0.25, lw=0.7)
    if train_bpc.size >= 20:
        kernel = np.ones(20) / 20
        ax.plot(steps[19:], np.convolve(train_bpc, kernel, mode="valid"), color="tab:blue",
                label="training batches (moving average of 20)")
    ax.plot(eval_steps, val_bpc, "o-", color="tab:orange", label="held-out text")
    ax.axhline(unigram_bits, color="k", ls="--", lw=1,
               label=f"unigram entropy {unigram_bits:.2f} bits")
    ax.set_xlabel("training step")
    ax.set_ylabel("bits per character")
    ax.set_title(f"char-LSTM (hidden {cfg['hidden']}) on Paradise Lost I-IV")
    ax.legend()
    dyn.save_figure(fig, out_dir / "bpc.png")

    return {
        "corpus": TEXT_FILE,
        "corpus_chars": int(codes.size),
        "vocabulary": vocab,
        "config": cfg,
        "unigram_entropy_bits": unigram_bits,
        "final_train_bpc": final_train_bpc,
        "final_val_bpc": float(val_bpc[-1]),
        "best_val_bpc": float(min(val_bpc)),
        "eval_steps": eval_steps,
        "val_bpc": val_bpc,
        "train_seconds": seconds,
        "samples": samples,
        "figures": ["bpc.png"],
    }
