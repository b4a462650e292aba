"""A cellular neural network finds the edges, fills the holes and removes the noise of a photograph.

Chua & Yang (1988) cellular networks ``dx/dt = -x + A * y + B * u + I`` with
``y = (|x + 1| - |x - 1|) / 2`` run three published templates of ``dyn.CNN_TEMPLATES`` on
matplotlib's sample photograph (``dyn.sample_image``, binarised at its mean grey level by
``dyn.binarize_image``: +1 black, -1 white), each integrated by ``dyn.solve`` (dopri5):

* ``edge_detection`` (x(0) = 0): the steady output is black exactly where the input is a black
  pixel with at least one white 8-neighbour (virtual cells outside the image are white). The
  summary compares it with that map computed directly with numpy.
* ``hole_filling`` (x(0) = 1): white regions that do not reach the border through
  4-neighbours turn black. Compared with ``scipy.ndimage.binary_fill_holes``; the summary
  counts the mismatches and how many of them are isolated black pixels (all four 4-neighbours
  white), for which the template's equilibrium x = 1 is marginal (dx/dt = 0 there, and below
  it the cell falls to white), so the network erases them.
* ``noise_removal`` (x(0) = the noisy image, no input): the photograph with a fraction of its
  pixels flipped at random (``seed``); errors against the clean image and isolated pixels are
  counted before and after.

All three A templates are symmetric, so the CNN energy
``E = -1/2 sum A y y + 1/2 sum y^2 - sum (B u + I) y`` is a Lyapunov function: the summary
reports the solver's energy-increase flag and the largest step of E between saved times.

Figures: ``processing.png`` (per template: input, output snapshots at three times, steady
output), ``energy.png`` (E(t) per template), ``mismatch.png`` (where the network and the
direct references differ). The summary holds per template the settle time (the first saved
time after which every output is within 1e-3 of its final value), the fraction of saturated
outputs (|y| = 1), the energy flags and the agreement with the references.
``DYNAMICS_QUICK=1`` runs a 48 x 48 image and shorter spans.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage

import dynamics as dyn

#: per template: integration span and the three snapshot times
SPANS = {
    "edge_detection": (8.0, (0.2, 0.5, 1.0)),
    "hole_filling": (150.0, (5.0, 20.0, 50.0)),
    "noise_removal": (30.0, (0.3, 1.0, 3.0)),
}
TITLES = {
    "edge_detection": "edge detection",
    "hole_filling": "hole filling",
    "noise_removal": "noise removal",
}
NOISE = 0.05  # fraction of pixels flipped for the noise-removal run
RED, BLUE = (0.85, 0.1, 0.1), (0.1, 0.3, 0.9)
SETTLED = 1e-3  # outputs within this of their final values count as settled


def _config() -> dict:
    if os.environ.get("DYNAMICS_QUICK") == "1":
        return {"quick": True, "size": 48, "span_scale": 0.4, "n_eval": 41}
    return {"quick": False, "size": 256, "span_scale": 1.0, "n_eval": 121}


def edge_reference(u: np.ndarray) -> np.ndarray:
    """+1 where ``u`` is black with at least one white 8-neighbour (outside is white)."""
    padded = np.pad(u > 0, 1, constant_values=False)
    m, n = u.shape
    all_black = np.ones((m, n), dtype=bool)
    for di in range(3):
        for dj in range(3):
            all_black &= padded[di : di + m, dj : dj + n]
    return np.where((u > 0) & ~all_black, 1.0, -1.0)


def _isolated(img: np.ndarray) -> np.ndarray:
    """Pixels whose four 4-neighbours (inside the image) all have the opposite colour."""
    black = img > 0
    padded = np.pad(black, 1, mode="edge")
    m, n = img.shape
    same = np.zeros((m, n), dtype=bool)
    for di, dj in ((0, 1), (2, 1), (1, 0), (1, 2)):
        same |= padded[di : di + m, dj : dj + n] == black
    return ~same


def _run(name: str, u: np.ndarray, cfg: dict) -> tuple[dyn.CellularNetwork, dyn.Solution, list]:
    t_end, snaps = SPANS[name]
    t_end *= cfg["span_scale"]
    snaps = [s * cfg["span_scale"] for s in snaps]
    net = dyn.CellularNetwork.from_template(name, u)
    t_eval = np.unique(np.concatenate([np.linspace(0.0, t_end, cfg["n_eval"]), snaps]))
    sol = dyn.solve(net, (0.0, t_end), net.x0, t_eval=t_eval)
    return net, sol, snaps


def _dynamics_summary(name: str, net, sol) -> dict:
    tpl = dyn.CNN_TEMPLATES[name]
    outputs = net.output(sol.y)  # (T, M, N)
    moving = np.abs(outputs - outputs[-1]).max(axis=(1, 2)) > SETTLED
    settle = float(sol.t[np.flatnonzero(moving)[-1] + 1]) if moving.any() else 0.0
    final = net.output(sol.y[:, -1])
    steps = np.diff(sol.energy)
    return {
        "A": tpl.A.tolist(),
        "B": tpl.B.tolist(),
        "bias": tpl.bias,
        "x0": tpl.x0,
        "boundary": tpl.boundary,
        "boundary_value": tpl.boundary_value,
        "source": tpl.reference,
        "t_end": float(sol.t[-1]),
        "status": int(sol.status),
        "nsteps": int(sol.nsteps),
        "nfev": int(sol.nfev),
        "settle_time": settle,
        "saturated_fraction": float(np.mean(np.abs(final) == 1.0)),
        "symmetric_template": net.is_symmetric,
        "energy_start": float(sol.energy[0]),
        "energy_end": float(sol.energy[-1]),
        "energy_increases": bool(sol.energy_increases),
        "largest_energy_step": float(steps.max()),
        # a rise above rounding (1e-12 relative) would break monotonicity
        "energy_monotone": bool(
            not sol.energy_increases
            and np.all(steps <= 1e-12 * (1.0 + np.abs(sol.energy[:-1])))
        ),
        "black_fraction_out": float(np.mean(final > 0)),
    }


def _agreement(out: np.ndarray, ref: np.ndarray) -> dict:
    return {
        "agreement": float(np.mean(np.sign(out) == ref)),
        "mismatched_pixels": int(np.sum(np.sign(out) != ref)),
    }


def _plot_processing(rows, path):
    grid, titles, row_titles = [], [], []
    for name, first, net, sol, snaps in rows:
        frames = [first]
        for s in snaps:
            k = int(np.argmin(np.abs(sol.t - s)))
            frames.append(net.output(sol.y[:, k]).ravel())
        frames.append(net.output(sol.y[:, -1]).ravel())
        grid.append(frames)
        titles += ["input u" if name != "noise_removal" else "noisy image x(0)"]
        titles += [f"y(t = {s:g})" for s in snaps] + [f"output, t = {sol.t[-1]:g}"]
        row_titles.append(TITLES[name])
    shape = rows[0][2].grid_shape
    fig = dyn.plot.patterns(
        np.array(grid), shape, titles=titles, row_titles=row_titles,
        colorbar_label="output y (+1 black, -1 white)", panel_size=2.0,
        suptitle="Cellular neural network (Chua & Yang 1988) on a binarised photograph",
    )
    dyn.save_figure(fig, path, dpi=100)
    plt.close(fig)


def _plot_energy(rows, path):
    fig, axes = plt.subplots(1, len(rows), figsize=(12, 3.6))
    for ax, (name, _, _, sol, _) in zip(axes, rows, strict=True):
        dyn.plot.energy(sol, ax=ax, xlabel="time t (units of R C)",
                        ylabel="CNN energy E", color="tab:blue", lw=1.6)
        ax.set_title(f"{TITLES[name]}: E rises = {bool(sol.energy_increases)}", fontsize=10)
        ax.grid(alpha=0.3)
    fig.suptitle("CNN energy along the trajectories (symmetric A: a Lyapunov function)")
    fig.tight_layout()
    dyn.save_figure(fig, path, dpi=100)
    plt.close(fig)


def _plot_mismatch(panels, shape, path):
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 4.4))
    for ax, (title, out, ref) in zip(axes, panels, strict=True):
        black_out, black_ref = np.sign(out) > 0, ref > 0
        extra, missing = black_out & ~black_ref, ~black_out & black_ref
        img = np.ones(shape + (3,))
        img[black_out & black_ref] = (0.6, 0.6, 0.6)
        img[extra], img[missing] = RED, BLUE
        ax.imshow(img, interpolation="nearest")
        for mask, colour in ((extra, RED), (missing, BLUE)):  # circled: one pixel is too small
            rows, cols = np.nonzero(mask)
            ax.scatter(cols, rows, s=28, facecolors="none", edgecolors=[colour], linewidths=1.0)
        ax.set_xlim(-0.5, shape[1] - 0.5)
        ax.set_ylim(shape[0] - 0.5, -0.5)
        bad = int(np.sum(np.sign(out) != ref))
        ax.set_title(f"{title}\n{bad} of {out.size} pixels differ", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    handles = [
        matplotlib.patches.Patch(color=(0.6, 0.6, 0.6), label="black in both"),
        matplotlib.patches.Patch(color=RED, label="black in CNN only (circled)"),
        matplotlib.patches.Patch(color=BLUE, label="black in reference only (circled)"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=9, frameon=False)
    fig.suptitle("CNN steady outputs against direct references", fontsize=12)
    fig.tight_layout(rect=(0, 0.07, 1, 0.94))
    dyn.save_figure(fig, path, dpi=100)
    plt.close(fig)


def run(out_dir: Path, seed: int) -> dict:
    """Run the three templates, write the figures into ``out_dir``, return the summary."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cfg = _config()
    rng = np.random.default_rng(seed)
    t_start = time.perf_counter()
    size = cfg["size"]
    u = dyn.binarize_image(dyn.sample_image((size, size)))
    flip = rng.random(u.shape) < NOISE
    noisy = np.where(flip, -u, u)

    rows, templates = [], {}
    for name, image in (("edge_detection", u), ("hole_filling", u), ("noise_removal", noisy)):
        net, sol, snaps = _run(name, image, cfg)
        summary = _dynamics_summary(name, net, sol)
        out = net.output(sol.y[:, -1])
        if name == "edge_detection":
            ref = edge_reference(u)
            summary["reference"] = "black pixel with a white 8-neighbour (numpy)"
            summary.update(_agreement(out, ref))
            edge_panel = ("edge detection vs numpy edge map", out, ref)
        elif name == "hole_filling":
            ref = np.where(ndimage.binary_fill_holes(u > 0), 1.0, -1.0)
            summary["reference"] = "scipy.ndimage.binary_fill_holes"
            summary.update(_agreement(out, ref))
            wrong = np.sign(out) != ref
            summary["mismatched_isolated_black"] = int(np.sum(wrong & _isolated(u) & (u > 0)))
            summary["isolated_black_input"] = int(np.sum(_isolated(u) & (u > 0)))
            summary["hole_pixels_filled"] = int(np.sum((ref > 0) & (u < 0)))
            hole_panel = ("hole filling vs binary_fill_holes", out, ref)
        else:
            summary["noise_fraction"] = NOISE
            summary["flipped_pixels"] = int(flip.sum())
            summary["errors_before"] = int(np.sum(noisy != u))
            summary["errors_after"] = int(np.sum(np.sign(out) != u))
            summary["isolated_before"] = int(np.sum(_isolated(noisy)))
            summary["isolated_after"] = int(np.sum(_isolated(np.sign(out))))
            summary["flips_repaired_fraction"] = float(np.mean(np.sign(out[flip]) == u[flip]))
            summary["clean_pixels_changed_fraction"] = float(
                np.mean(np.sign(out[~flip]) != u[~flip])
            )
        templates[name] = summary
        rows.append((name, image.ravel(), net, sol, snaps))

    _plot_processing(rows, out_dir / "processing.png")
    _plot_energy(rows, out_dir / "energy.png")
    _plot_mismatch([edge_panel, hole_panel], u.shape, out_dir / "mismatch.png")
    return {
        "quick": cfg["quick"],
        "seed": seed,
        "image": {
            "source": "matplotlib sample grace_hopper.jpg, binarised at its mean grey level",
            "shape": list(u.shape),
            "pixels": int(u.size),
            "black_fraction": float(np.mean(u > 0)),
        },
        "templates": templates,
        "all_energy_monotone": all(t["energy_monotone"] for t in templates.values()),
        "figures": ["processing.png", "energy.png", "mismatch.png"],
        "elapsed_s": time.perf_counter() - t_start,
    }
