"""Capacity of binary Hopfield networks per learning rule, against the published reference loads.

For each rule (Hebbian, Storkey, pseudo-inverse) and size N, P = alpha N random patterns are
stored and 50 of them are probed with 5% of their bits flipped; a pattern counts as retrieved
when asynchronous recall ends with overlap >= 0.99. The fraction retrieved is plotted against
alpha with error bars over seeds (standard error), with the reference loads drawn: the Hebbian
alpha_c = 0.138 (Amit, Gutfreund & Sompolinsky 1985), the finite-size band 0.145 +- 0.009 and
the McEliece et al. (1987) error-free load 1/(2 ln N). The measured alpha_c (where the mean
curve crosses 1/2, with a bootstrap error over seeds) is written per rule and N to the
summary. The grid runs through ``dyn.sweep`` (local processes; resumable store in the output
folder). Also: pseudo-inverse recall from clean probes (up to alpha = 0.95: at alpha = 1 the
projector is the identity and removing its diagonal leaves W = 0), basins of attraction
(final vs initial overlap) and symmetric 3-mixture spurious states under Hebbian storage.
A 3-mixture counts as stable, and a random start as reaching one, by one criterion: ending
within overlap 0.99 of the symmetric mixture; states with three overlaps near 1/2 that miss
it are distorted mixtures, counted apart (``mixture_criterion`` in the summary).

``DYNAMICS_QUICK=1`` shrinks everything to a few seconds (small N, few loads and seeds).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dynamics as dyn  # noqa: E402

RULES = ("hebbian", "storkey", "pseudoinverse")


def _config() -> dict:
    if os.environ.get("DYNAMICS_QUICK") == "1":
        return {
            "sizes": (100,), "n_loads": 6, "n_seeds": 3, "n_probes": 20,
            "clean_seeds": 2, "basin_n": 100, "basin_trials": 5, "mixture_n": 200,
            "mixture_patterns": (4, 8), "executor": "serial",
        }
    return {
        "sizes": (250, 500, 1000), "n_loads": 20, "n_seeds": 20, "n_probes": 50,
        "clean_seeds": 10, "basin_n": 500, "basin_trials": 40, "mixture_n": 1000,
        "mixture_patterns": (5, 10, 20, 30, 40, 60), "executor": "processes",
    }


def loads_for(rule: str, n_loads: int) -> np.ndarray:
    """The load grid of each rule (around its transition)."""
    lo, hi = {"hebbian": (0.02, 0.30), "storkey": (0.03, 0.60),
              "pseudoinverse": (0.05, 0.95)}[rule]
    return np.round(np.linspace(lo, hi, n_loads), 4)


#: the parameters task() takes (checked by `dynamics sweep` before anything runs)
TASK_PARAMS = {
    "required": ("rule", "n_neurons", "alpha"),
    "optional": ("flip_fraction", "n_probes", "criterion", "max_sweeps"),
}


def task(params: dict, seed) -> dict:
    """One (rule, N, alpha, seed) point: see ``dyn.capacity_task``."""
    return dyn.capacity_task(params, seed)


def grid(cfg: dict) -> list[dict]:
    points = []
    for n in cfg["sizes"]:
        for rule in RULES:
            for alpha in loads_for(rule, cfg["n_loads"]):
                points.append({"rule": rule, "n_neurons": int(n), "alpha": float(alpha),
                               "flip_fraction": 0.05, "n_probes": cfg["n_probes"]})
    return points


def _alpha_c_with_error(loads, fractions, rng, n_boot=200):
    """alpha_c of the mean curve and its bootstrap standard deviation over seeds."""
    est = dyn.estimate_alpha_c(loads, fractions.mean(axis=1))
    boots = []
    k = fractions.shape[1]
    for _ in range(n_boot):
        pick = rng.integers(0, k, size=k)
        boots.append(dyn.estimate_alpha_c(loads, fractions[:, pick].mean(axis=1)))
    boots = np.asarray(boots)
    boots = boots[np.isfinite(boots)]
    return est, (float(boots.std()) if boots.size > 1 else float("nan"))


def _table(result, rule, n, flip, key="fraction_retrieved"):
    rows = [r for r in result if r["rule"] == rule and r["n_neurons"] == n
            and r["flip_fraction"] == flip]
    loads = np.array(sorted({r["alpha"] for r in rows}))
    reps = sorted({r["replicate"] for r in rows})
    frac = np.full((loads.size, len(reps)), np.nan)
    for r in rows:
        frac[np.searchsorted(loads, r["alpha"]), reps.index(r["replicate"])] = r[key]
    return loads, frac


def _curve(result, rule, n, flip, criterion=0.99) -> dyn.CapacityCurve:
    """The sweep's results for one rule and size as a ``dyn.CapacityCurve``."""
    loads, frac = _table(result, rule, n, flip)
    _, overlaps = _table(result, rule, n, flip, key="mean_overlap")
    return dyn.CapacityCurve(rule, int(n), loads, frac, overlaps, flip, criterion)


MIXTURE_CRITERION = (
    "a symmetric 3-mixture sgn(+-xi1 +- xi2 +- xi3) is stable when asynchronous recall started "
    "from it ends within overlap 0.99 of it; a random start 'reaches a 3-mixture' by the same "
    "test (its attractor is within overlap 0.99 of the symmetric mixture of its three "
    "strongest patterns). Attractors with three overlaps in 1/2 +- 0.2 that fail it are "
    "distorted mixtures, counted apart as 'mixture_like': they remain above the load where "
    "the symmetric mixtures have lost their stability."
)


def _plot_mixtures(mixtures: list[dict], n: int, path: Path) -> None:
    """Stable fraction of symmetric 3-mixtures, and the attractors of random starts."""
    alphas = np.array([m["alpha"] for m in mixtures])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.0), layout="constrained",
                             gridspec_kw={"width_ratios": [1.0, 1.25]})
    ax = axes[0]
    ax.plot(alphas, [m["fraction_stable_mixtures"] for m in mixtures], "o-", color="tab:blue",
            label="stable (stay within overlap 0.99)")
    ax.plot(alphas, [m["fraction_mixtures_ending_mixture_like"] for m in mixtures], "s--",
            color="tab:orange", label="drift to a distorted mixture")
    ax.axvline(0.03, color="k", ls=":", lw=1.2,
               label=r"$\alpha$ = 0.03: limit for N $\to \infty$ (AGS 1985)")
    ax.set_xlabel(r"load $\alpha = P/N$")
    ax.set_ylabel("fraction of symmetric 3-mixtures")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title("Symmetric 3-mixtures relaxed by recall")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.17), frameon=False)
    kinds = (("pattern", "tab:blue"), ("reversed", "tab:cyan"), ("mixture3", "tab:green"),
             ("mixture_like", "tab:olive"), ("other", "0.6"))
    names = {"mixture3": "symmetric 3-mixture", "mixture_like": "distorted mixture",
             "other": "other (spin glass)", "pattern": "pattern", "reversed": "reversed pattern"}
    bottom = np.zeros(len(mixtures))
    ticks = [f"{a:.3g}" for a in alphas]
    for kind, color in kinds:
        vals = np.array([m["random_start_attractors"][kind] for m in mixtures], dtype=float)
        axes[1].bar(ticks, vals, bottom=bottom, color=color, label=names[kind])
        bottom += vals
    axes[1].set_xlabel(r"load $\alpha = P/N$")
    axes[1].set_ylabel("attractors reached from random starts")
    axes[1].set_title(f"Where {int(bottom[0])} random starts end")
    axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.suptitle(f"Spurious states under Hebbian storage, N = {n}")
    dyn.save_figure(fig, path)


def run(out_dir: Path, seed: int) -> dict:
    cfg = _config()
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    n_workers = min(2, os.cpu_count() or 1)
    parallel = {"executor": cfg["executor"]}
    if cfg["executor"] != "serial":
        parallel["n_workers"] = n_workers

    # --- main grid through dyn.sweep (resumable: the store lives in the output folder)
    start = time.perf_counter()
    main = dyn.sweep(dyn.capacity_task, grid(cfg), seeds=cfg["n_seeds"], base_seed=seed,
                     store=out_dir / f"sweep_main_seed{seed}", progress=False, **parallel)
    main_seconds = time.perf_counter() - start
    clean_points = [{"rule": "pseudoinverse", "n_neurons": int(n), "alpha": float(a),
                     "flip_fraction": 0.0, "n_probes": cfg["n_probes"]}
                    for n in cfg["sizes"] for a in loads_for("pseudoinverse", cfg["n_loads"])]
    clean = dyn.sweep(dyn.capacity_task, clean_points, seeds=cfg["clean_seeds"],
                      base_seed=seed, store=out_dir / f"sweep_clean_seed{seed}", progress=False,
                      **parallel)

    alpha_c: dict = {rule: {} for rule in RULES}
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), sharey=True, layout="constrained")
    for ax, rule in zip(axes, RULES, strict=True):
        curves, labels = [], []
        for n in cfg["sizes"]:
            curve = _curve(main, rule, n, 0.05)
            est, err = _alpha_c_with_error(curve.loads, curve.fractions, rng)
            alpha_c[rule][str(n)] = {"alpha_c": est, "bootstrap_std": err,
                                     "n_seeds": int(curve.fractions.shape[1])}
            curves.append(curve)
            labels.append(f"N = {n}: " + (rf"$\alpha_c$ = {est:.3f} ± {err:.3f}"
                                          if np.isfinite(est) else "no 1/2 crossing"))
        if rule == "hebbian":
            mu, sd = dyn.FINITE_SIZE_ALPHA_C
            ax.axvspan(mu - sd, mu + sd, color="tab:red", alpha=0.15,
                       label="finite size 0.145 ± 0.009")
        dyn.plot.capacity(curves, ax=ax, labels=labels,
                          ylabel=None if rule == RULES[0] else "",
                          title=rule + (" (dashed: clean probes)"
                                        if rule == "pseudoinverse" else ""))
        if rule == "pseudoinverse":
            for n, line in zip(cfg["sizes"], ax.lines, strict=False):
                c_loads, c_frac = _table(clean, rule, n, 0.0)
                ax.plot(c_loads, np.nanmean(c_frac, axis=1), color=line.get_color(), ls="--",
                        lw=1)
        ax.legend(fontsize=8, loc="lower left", framealpha=0.9)
    fig.suptitle("Capacity per learning rule (error bars: standard error over seeds)")
    dyn.save_figure(fig, out_dir / "capacity_curves.png")

    # --- basins of attraction: final vs initial overlap, one colour scale of alpha throughout
    m0 = np.round(np.linspace(0.0, 1.0, 11), 2)
    basin_loads = {"hebbian": (0.05, 0.1, 0.14), "storkey": (0.1, 0.2, 0.3),
                   "pseudoinverse": (0.1, 0.3, 0.6)}
    norm = matplotlib.colors.Normalize(0.0, 0.65)
    cmap = plt.get_cmap("plasma")
    basins: dict = {}
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.0), sharey=True, layout="constrained")
    for ax, rule in zip(axes, RULES, strict=True):
        basins[rule] = {}
        for load in basin_loads[rule]:
            _, final = dyn.basin_curve(rule, cfg["basin_n"], load, m0,
                                       n_trials=cfg["basin_trials"], seed=rng)
            basins[rule][str(load)] = final.mean(axis=1).round(4).tolist()
            dyn.plot.basins(m0, final, ax=ax, color=cmap(norm(load)),
                            label=rf"$\alpha$ = {load:g}",
                            ylabel="final overlap m" if rule == RULES[0] else "",
                            title=f"{rule}, N = {cfg['basin_n']}")
        ax.legend(fontsize=8, loc="lower right")
    bar = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes,
                       pad=0.01)
    bar.set_label(r"load $\alpha = P/N$ (same colour in every panel)")
    fig.suptitle(f"Basins of attraction: median final overlap, band = quartiles of "
                 f"{cfg['basin_trials']} probes")
    dyn.save_figure(fig, out_dir / "basins.png")

    # --- spurious states: symmetric 3-mixtures under Hebbian storage
    mixtures = []
    for p in cfg["mixture_patterns"]:
        out = dyn.mixture_states(cfg["mixture_n"], p, n_mixtures=40, n_random_starts=100,
                                 seed=rng)
        out.pop("mixture_overlaps")
        mixtures.append(out)
    _plot_mixtures(mixtures, cfg["mixture_n"], out_dir / "spurious_states.png")

    return {
        "alpha_c": alpha_c,
        "criterion": "overlap >= 0.99 from probes with 5% flipped bits; alpha_c where the "
                     "mean fraction retrieved crosses 1/2",
        "references": {
            "hebbian_alpha_c_AGS_1985": dyn.AGS_ALPHA_C,
            "hebbian_alpha_c_finite_size": list(dyn.FINITE_SIZE_ALPHA_C),
            "mceliece_1987_load": {str(n): dyn.mceliece_load(n) for n in cfg["sizes"]},
        },
        "pseudoinverse_clean_probes_fraction_at_max_load": {
            str(n): float(np.nanmean(_table(clean, "pseudoinverse", n, 0.0)[1][-1]))
            for n in cfg["sizes"]
        },
        "basins_mean_final_overlap": {"initial_overlaps": m0.tolist(), **basins},
        "mixture_states": mixtures,
        "mixture_criterion": MIXTURE_CRITERION,
        "sweep": {"executor": cfg["executor"], "n_workers": parallel.get("n_workers"),
                  "n_tasks": len(main) + len(clean), "failed": len(main.failed)
                  + len(clean.failed), "main_grid_seconds": round(main_seconds, 1)},
    }
