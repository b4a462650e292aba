"""Decoding, repair, nearest neighbour, 2-opt and Or-opt against brute force; bad input."""

from __future__ import annotations

import numpy as np
import pytest

import dynamics as dyn


def _no_improving_two_opt_move(d, tour):
    n = len(tour)
    for i in range(n):
        for j in range(i + 2, n):
            a, b, c, e = tour[i], tour[(i + 1) % n], tour[j], tour[(j + 1) % n]
            if a == e:
                continue
            if d[a, c] + d[b, e] < d[a, b] + d[c, e] - 1e-9:
                return False
    return True


def _no_improving_segment_move(inst, tour):
    base = dyn.tour_length(inst, tour)
    n = len(tour)
    for seg in (1, 2, 3):
        for i in range(n):
            rot = np.roll(tour, -i)
            piece, rest = rot[:seg], rot[seg:]
            for k in range(1, len(rest)):
                for p in (piece, piece[::-1]):
                    cand = np.concatenate([rest[:k], p, rest[k:]])
                    if dyn.tour_length(inst, cand) < base - 1e-9:
                        return False
    return True


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_opt_and_or_opt_reach_local_optima(seed):
    inst = dyn.random_instance(12, seed=seed)
    start = np.random.default_rng(seed).permutation(12)
    t2 = dyn.two_opt(inst, start)
    assert dyn.tour_length(inst, t2) <= dyn.tour_length(inst, start)
    assert _no_improving_two_opt_move(inst.distances, t2)
    t3 = dyn.or_opt(inst, start)
    assert dyn.tour_length(inst, t3) <= dyn.tour_length(inst, start)
    assert _no_improving_segment_move(inst, t3)
    tp = dyn.polish(inst, start)
    assert _no_improving_two_opt_move(inst.distances, tp) and _no_improving_segment_move(inst, tp)


def test_nearest_neighbour_by_hand():
    d = np.array([[0, 1, 5, 4], [1, 0, 2, 6], [5, 2, 0, 3], [4, 6, 3, 0]])
    assert list(dyn.nearest_neighbor_tour(d, start=0)) == [0, 1, 2, 3]
    inst = dyn.random_instance(15, seed=3)
    best = dyn.nearest_neighbor_tour(inst)
    every = [dyn.tour_length(inst, dyn.nearest_neighbor_tour(inst, start=s)) for s in range(15)]
    assert dyn.tour_length(inst, best) == pytest.approx(min(every))
    res = dyn.solve_tsp(inst, "nearest_neighbor")
    assert res.valid and res.length == pytest.approx(min(every)) and not res.polished


def test_decode_and_repair():
    tour = np.array([2, 0, 3, 1])
    V = np.zeros((4, 4))
    V[tour, np.arange(4)] = 0.9
    assert list(dyn.decode_tour(V)) == list(tour)
    assert list(dyn.repair_tour(V)) == list(tour)
    V[0, 2] = 0.8  # city 0 at two positions: not a tour
    assert dyn.decode_tour(V) is None
    fixed = dyn.repair_tour(np.random.default_rng(0).random((9, 9)))
    assert sorted(fixed) == list(range(9))


def test_solve_tsp_bad_input():
    inst = dyn.random_instance(6, seed=0)
    with pytest.raises(ValueError, match="method"):
        dyn.solve_tsp(inst, "magic")
    with pytest.raises(TypeError, match="restarts"):
        dyn.solve_tsp(inst, "mean_field", restarts=2.5)
    with pytest.raises(ValueError, match="restarts"):
        dyn.solve_tsp(inst, "mean_field", restarts=0)
    with pytest.raises(TypeError, match="unknown option"):
        dyn.solve_tsp(inst, "mean_field", beta=3.0)
    with pytest.raises(TypeError, match="seed"):
        dyn.solve_tsp(inst, "mean_field", seed="x")
    with pytest.raises(ValueError, match="coordinates"):
        dyn.solve_tsp(inst.distances, "elastic_net")
    with pytest.raises(ValueError, match="u0"):
        dyn.HopfieldTank(inst, u0=0.0)
