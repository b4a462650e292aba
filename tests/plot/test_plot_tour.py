"""dyn.plot.tour draws the closed tour through the instance's coordinates."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dynamics as dyn  # noqa: E402


def test_tour_line_visits_the_cities_in_order():
    inst = dyn.random_instance(8, seed=0)
    order = [3, 1, 0, 7, 2, 6, 5, 4]
    ax = dyn.plot.tour(inst, order)
    line = ax.lines[0]
    closed = order + order[:1]
    np.testing.assert_allclose(line.get_xdata(), inst.coordinates[closed, 0])
    np.testing.assert_allclose(line.get_ydata(), inst.coordinates[closed, 1])
    with pytest.raises((TypeError, ValueError)):
        dyn.plot.tour(inst, [0, 0, 1, 2, 3, 4, 5, 6])
