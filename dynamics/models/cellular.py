"""Cellular neural networks (Chua & Yang 1988), matrix-free.

Each cell (i, j) of an M x N grid has a state x_ij, an output y_ij and an input u_ij::

    dx_ij/dt = -x_ij + sum_kl A[k, l] y_{i+k, j+l} + sum_kl B[k, l] u_{i+k, j+l} + I
    y = f(x) = (|x + 1| - |x - 1|) / 2

with (2r+1) x (2r+1) templates ``A`` (feedback) and ``B`` (control) indexed by the offset
(k, l) in [-r, r]^2 (a correlation; the symmetric templates of the library read the same as
convolutions). Cells outside the grid ("virtual cells") follow the boundary condition:

* ``"fixed"`` (Dirichlet): virtual cells have y = u = ``boundary_value``;
* ``"zero_flux"`` (Neumann): a virtual cell copies the nearest cell of the grid;
* ``"periodic"``: the grid wraps around (a torus).

The network is matrix-free: the feedback is a stencil applied in compiled code (memory O(MN),
never an (MN)^2 matrix), and ``B * u + I`` -- which does not change in time -- is computed
once at construction, together with the constant contribution of fixed virtual cells to
``A * y``. The energy (Chua & Yang 1988, eq. 7, with R_x = C = 1)::

    E = -1/2 sum_ij sum_kl A(ij; kl) y_ij y_kl + 1/2 sum_ij y_ij^2
        - sum_ij sum_kl B(ij; kl) y_ij u_kl - I sum_ij y_ij

(the fixed virtual cells enter through the linear term) is non-increasing when the coupling
A(ij; kl) = A(kl; ij) is symmetric: for a template with A[k, l] = A[-k, -l] on fixed and
periodic boundaries, and, with zero flux, for templates that are also mirror-symmetric.

Images use Chua's convention: +1 is black, -1 is white. :data:`CNN_TEMPLATES` holds published
templates; :meth:`CellularNetwork.from_template` builds a network from one.

The parameters are described by the module's :class:`~dynamics.models.layout.ParamLayout`
(``CellularNetwork.layout``): the grid sizes M, N and the template size K = 2r + 1 in its
header, then the blocks ``boundary_code`` (0 fixed, 1 zero flux, 2 periodic), ``A`` (K, K)
and ``constant`` (M, N), the constant input B * u + I (+ the fixed boundary term). The padded
grid of outputs the stencil reads, (M + 2r) x (N + 2r) floats, and the feedback A * y the
energy needs (M * N floats) are taken from the solvers' work area (``work_size``), so the
kernels never write ``params`` and allocate nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numba as nb
import numpy as np

from dynamics.models._work import take, take_matrix
from dynamics.models.base import ENERGY_SIGNATURE, RHS_SIGNATURE, Model
from dynamics.models.layout import ParamLayout

__all__ = [
    "CellularNetwork",
    "CNNTemplate",
    "CNN_TEMPLATES",
    "cnn_output",
    "binarize_image",
    "sample_image",
]

BOUNDARIES = {"fixed": 0, "zero_flux": 1, "periodic": 2}

_LAYOUT = ParamLayout(
    [("boundary_code", ()), ("A", ("k", "k")), ("constant", ("m", "n"))], dims=("m", "n", "k")
)
_unpack = _LAYOUT.unpacker(work=True)


@nb.njit(cache=True, inline="always")
def _sat(x: float) -> float:
    """The CNN output f(x) = (|x + 1| - |x - 1|) / 2 = clip(x, -1, 1)."""
    if x > 1.0:
        return 1.0
    if x < -1.0:
        return -1.0
    return x


@nb.njit(cache=True, inline="always")
def _source(i: int, m: int, code: int) -> int:
    """Grid index a virtual row/column ``i`` reads from (-1: a fixed virtual cell)."""
    if 0 <= i < m:
        return i
    if code == 0:
        return -1
    if code == 1:
        return 0 if i < 0 else m - 1
    return i % m


def _work_floats(m: int, n: int, r: int) -> int:
    """The work area of the kernels: the padded output grid and the feedback A * y."""
    return (m + 2 * r) * (n + 2 * r) + m * n


@nb.njit(cache=True, inline="always")
def _scratch(p):
    """The work area as the padded output grid (M + 2r, N + 2r) and room for M * N floats."""
    m, n, k, _, _, _, work = _unpack(p)
    r = k // 2
    pad, rest = take_matrix(work, m + 2 * r, n + 2 * r)
    feedback, _ = take(rest, m * n)
    return pad, feedback


@nb.njit(cache=True)
def _feedback(x, p, out):
    """out = A * y(x) (the stencil with the boundary condition; fixed virtual cells = 0),
    reading the outputs from the padded grid of the work area; returns the constant input
    B * u + I (+ fixed boundary term), flat."""
    m, n, k, code_f, a, constant, _ = _unpack(p)
    r = k // 2
    code = int(code_f)
    pad, _ = _scratch(p)
    for i in range(m):
        for j in range(n):
            pad[i + r, j + r] = _sat(x[i * n + j])
    for pi in range(m + 2 * r):
        si = _source(pi - r, m, code)
        inside_row = 0 <= pi - r < m
        for pj in range(n + 2 * r):
            if inside_row and r <= pj < n + r:
                continue
            sj = _source(pj - r, n, code)
            if si < 0 or sj < 0:
                pad[pi, pj] = 0.0
            else:
                pad[pi, pj] = pad[si + r, sj + r]
    # one pass over the grid per non-zero template entry: the inner loop runs along a row of
    # ``pad`` and ``out`` (contiguous, vectorised), and zero entries cost nothing
    out[:] = 0.0
    for di in range(k):
        for dj in range(k):
            w = a[di, dj]
            if w == 0.0:
                continue
            for i in range(m):
                src = pad[i + di]
                row = i * n
                for j in range(n):
                    out[row + j] += w * src[j + dj]
    return constant.reshape(m * n)


@nb.njit(RHS_SIGNATURE, cache=True)
def cnn_rhs(t, x, p, out):
    """dx/dt = -x + A * y + (B * u + I), matrix-free."""
    bu = _feedback(x, p, out)
    for q in range(x.shape[0]):
        out[q] += bu[q] - x[q]


@nb.njit(ENERGY_SIGNATURE, cache=True)
def cnn_energy(x, p):
    """E = -1/2 y.(A * y) + 1/2 y.y - y.(B * u + I + fixed-boundary term)."""
    size = x.shape[0]
    _, ay = _scratch(p)
    bu = _feedback(x, p, ay)
    e = 0.0
    for q in range(size):
        y = _sat(x[q])
        e += y * (-0.5 * ay[q] + 0.5 * y - bu[q])
    return e


def cnn_output(x: Any) -> np.ndarray:
    """y = (|x + 1| - |x - 1|) / 2 = clip(x, -1, 1) for any array of states (computed as the
    clip, which is exact where the difference of absolute values rounds)."""
    return np.clip(np.asarray(x, dtype=np.float64), -1.0, 1.0)


def _template(t: Any, argument: str) -> np.ndarray:
    try:
        arr = np.asarray(t, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{argument}: expected a square numeric template") from exc
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(
            f"{argument}: expected a square (2r+1, 2r+1) template, got shape {arr.shape}"
        )
    if arr.shape[0] % 2 == 0:
        raise ValueError(
            f"{argument}: expected an odd template size (3x3, 5x5, ...), got {arr.shape[0]}x"
            f"{arr.shape[1]}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{argument}: expected finite values")
    return arr


def _pad_to(t: np.ndarray, r: int) -> np.ndarray:
    extra = r - t.shape[0] // 2
    return np.pad(t, extra) if extra else t


def _correlate(image: np.ndarray, t: np.ndarray, boundary: str, value: float) -> np.ndarray:
    """sum_kl t[k, l] image[i+k, j+l] with the boundary condition (numpy, run once)."""
    r = t.shape[0] // 2
    mode = {"fixed": "constant", "zero_flux": "edge", "periodic": "wrap"}[boundary]
    kwargs = {"constant_values": value} if mode == "constant" else {}
    padded = np.pad(image, r, mode=mode, **kwargs)
    m, n = image.shape
    out = np.zeros((m, n))
    for di in range(2 * r + 1):
        for dj in range(2 * r + 1):
            if t[di, dj] != 0.0:
                out += t[di, dj] * padded[di : di + m, dj : dj + n]
    return out


@dataclass(frozen=True)
class CNNTemplate:
    """A published CNN template: feedback ``A``, control ``B``, bias ``I`` and its setting.

    ``x0`` is the initial state: a number, or ``"input"`` (x(0) = u). ``boundary`` and
    ``boundary_value`` are the boundary condition the template was designed for.
    """

    name: str
    A: np.ndarray
    B: np.ndarray
    bias: float
    x0: float | str
    boundary: str
    boundary_value: float
    description: str
    reference: str
    symmetric: bool = field(default=True)


def _t(rows) -> np.ndarray:
    return np.array(rows, dtype=np.float64)


_ZERO = _t([[0, 0, 0], [0, 0, 0], [0, 0, 0]])

#: Published templates (black = +1, white = -1): A, B, I and x(0) as published; the boundary
#: is this library's choice for binary images (white virtual cells, or zero flux). Each
#: template's behaviour below is checked by a test on a small hand-made image:
#:
#: * ``edge_detection`` -- A = [0 0 0; 0 1 0; 0 0 0], B = [-1 -1 -1; -1 8 -1; -1 -1 -1],
#:   I = -1, x(0) = 0 (Chua & Yang 1988, "Cellular neural networks: applications"; Chua 1998,
#:   "CNN: A Paradigm for Complexity"). With w = B * u + I a cell's state moves at the rate w
#:   while |x| < 1, so its output settles to sign(w): w = 2k - 1 for a black pixel with k white
#:   8-neighbours and w <= -1 for a white pixel. The steady output is black exactly at black
#:   pixels with at least one white 8-neighbour (the virtual cells of the fixed boundary are
#:   white), after t = 1 at the latest.
#: * ``hole_filling`` -- A = [0 1 0; 1 2 1; 0 1 0], B = [0 0 0; 0 4 0; 0 0 0], I = -1,
#:   x(0) = 1 everywhere (Matsumoto, Chua & Furukawa 1990, "CNN cloning template: hole-filler").
#:   Starting all black, white spreads inwards from the white border through 4-connected white
#:   input pixels; enclosed white regions (the holes) stay black. Caveat of these values: a black
#:   pixel whose four 4-neighbours are white has the marginal equilibrium x = 1 (dx/dt = 0
#:   there and < 0 below it), and the network erases it.
#: * ``noise_removal`` -- A = [0 1 0; 1 2 1; 0 1 0], B = 0, I = 0, x(0) = the noisy image
#:   (Chua & Yang 1988, "Cellular neural networks: applications", the noise-removal example):
#:   each cell follows the weighted majority of itself (weight 2) and its four neighbours, so
#:   isolated pixels flip while blocks of two or more pixels in each direction stay; zero-flux
#:   boundary.
#: * ``connected_components`` -- A = [0 0 0; 1 2 -1; 0 0 0], B = 0, I = 0, x(0) = the image
#:   (Matsumoto, Chua & Suzuki 1990, "CNN cloning template: connected component detector"):
#:   horizontal connected component detection. Each row's black runs move to the right end of
#:   the row and shrink to one black pixel per run, separated by one white pixel, so the number
#:   of black pixels in a row is the number of its components. A is not symmetric (no Lyapunov
#:   energy).
CNN_TEMPLATES: dict[str, CNNTemplate] = {
    "edge_detection": CNNTemplate(
        "edge_detection",
        A=_t([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
        B=_t([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
        bias=-1.0,
        x0=0.0,
        boundary="fixed",
        boundary_value=-1.0,
        description="binary edge detection: black pixels with a white 8-neighbour stay black",
        reference="Chua & Yang 1988 (Cellular neural networks: applications); Chua 1998",
    ),
    "hole_filling": CNNTemplate(
        "hole_filling",
        A=_t([[0, 1, 0], [1, 2, 1], [0, 1, 0]]),
        B=_t([[0, 0, 0], [0, 4, 0], [0, 0, 0]]),
        bias=-1.0,
        x0=1.0,
        boundary="fixed",
        boundary_value=-1.0,
        description="fills the holes of black objects (white regions not 4-connected to the "
        "border); isolated black pixels are erased",
        reference="Matsumoto, Chua & Furukawa 1990 (CNN cloning template: hole-filler)",
    ),
    "noise_removal": CNNTemplate(
        "noise_removal",
        A=_t([[0, 1, 0], [1, 2, 1], [0, 1, 0]]),
        B=_ZERO,
        bias=0.0,
        x0="input",
        boundary="zero_flux",
        boundary_value=0.0,
        description="removes isolated noise pixels: x(0) is the noisy image, no input",
        reference="Chua & Yang 1988 (Cellular neural networks: applications)",
    ),
    "connected_components": CNNTemplate(
        "connected_components",
        A=_t([[0, 0, 0], [1, 2, -1], [0, 0, 0]]),
        B=_ZERO,
        bias=0.0,
        x0="input",
        boundary="fixed",
        boundary_value=-1.0,
        description="horizontal connected component detection: each row's black runs shift "
        "right and shrink to one black pixel each, separated by one white pixel",
        reference="Matsumoto, Chua & Suzuki 1990 (CNN cloning template: connected component "
        "detector)",
        symmetric=False,
    ),
}


class CellularNetwork(Model):
    """A cellular neural network on an M x N grid (Chua & Yang 1988); see the module docstring.

    Parameters
    ----------
    A, B:
        Feedback and control templates, odd square arrays (3x3, 5x5, ...). ``B`` may be None
        (no control input).
    bias:
        The bias I (a number).
    input_image:
        The input u, an (M, N) array with values in [-1, 1] (black = +1). It sets the grid
        size; without it give ``shape`` (u = 0).
    boundary:
        ``"fixed"``, ``"zero_flux"`` or ``"periodic"``.
    boundary_value:
        y and u of the virtual cells of a fixed boundary (in [-1, 1]).
    x0:
        The initial state :attr:`x0` (a number, an (M, N) array, or ``"input"``).
    shape:
        (M, N) when no ``input_image`` is given.

    The state is the grid flattened row-major (``n_states = M * N``); :meth:`image` reshapes.
    """

    name = "cellular neural network"

    def __init__(
        self,
        A: Any,
        B: Any = None,
        bias: float = 0.0,
        input_image: Any = None,
        boundary: str = "fixed",
        boundary_value: float = 0.0,
        x0: Any = 0.0,
        shape: tuple[int, int] | None = None,
    ) -> None:
        a = _template(A, "A")
        b = _zero_like(a) if B is None else _template(B, "B")
        bias = _finite(bias, "bias")
        if not isinstance(boundary, str) or boundary not in BOUNDARIES:
            raise ValueError(f"boundary: expected one of {sorted(BOUNDARIES)}, got {boundary!r}")
        boundary_value = _finite(boundary_value, "boundary_value")
        if abs(boundary_value) > 1.0:
            raise ValueError(f"boundary_value: expected a value in [-1, 1], got {boundary_value}")
        u = self._input(input_image, shape)
        m, n = u.shape
        r = max(a.shape[0], b.shape[0]) // 2
        a = _pad_to(a, r)
        b = _pad_to(b, r)
        constant = _correlate(u, b, boundary, boundary_value) + bias
        if boundary == "fixed" and boundary_value != 0.0:
            # A acting on the fixed virtual cells: a constant input of every border cell
            outside = np.pad(np.zeros((m, n)), r, constant_values=boundary_value)
            constant += _correlate_padded(outside, a, m, n)
        self.grid_shape = (m, n)
        self.radius = r
        self.boundary = boundary
        self.boundary_value = boundary_value
        self.B, self.bias, self.input_image = b.copy(), bias, u.copy()
        self.n_states = m * n
        self.layout = _LAYOUT
        self.params = _LAYOUT.pack(
            boundary_code=float(BOUNDARIES[boundary]), A=a, constant=constant
        )
        self.work_size = _work_floats(m, n, r)
        self.x0 = self._initial(x0, u)
        self.rhs_kernel = cnn_rhs
        self.energy_kernel = cnn_energy

    @staticmethod
    def _input(image: Any, shape: Any) -> np.ndarray:
        if image is None:
            if shape is None:
                raise ValueError("input_image: give an input image or the grid shape=(M, N)")
            try:
                m, n = (int(v) for v in shape)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"shape: expected a pair (M, N) of ints, got {shape!r}") from exc
            if m < 1 or n < 1:
                raise ValueError(f"shape: expected positive sizes, got {shape!r}")
            return np.zeros((m, n))
        try:
            u = np.asarray(image, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError("input_image: expected a 2-D numeric array") from exc
        if u.ndim != 2 or u.size == 0:
            raise ValueError(f"input_image: expected a 2-D (M, N) array, got shape {u.shape}")
        if not np.all(np.isfinite(u)) or np.abs(u).max() > 1.0:
            raise ValueError("input_image: expected finite values in [-1, 1] (black = +1)")
        if shape is not None and tuple(shape) != u.shape:
            raise ValueError(f"shape: {tuple(shape)} differs from input_image's {u.shape}")
        return u

    def _initial(self, x0: Any, u: np.ndarray) -> np.ndarray:
        if isinstance(x0, str):
            if x0 != "input":
                raise ValueError(f"x0: expected a number, an (M, N) array or 'input', got {x0!r}")
            return u.ravel().copy()
        try:
            arr = np.asarray(x0, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError("x0: expected a number, an (M, N) array or 'input'") from exc
        if arr.ndim == 0:
            arr = np.full(u.shape, float(arr))
        if arr.shape != u.shape:
            raise ValueError(f"x0: expected a number or shape {u.shape}, got {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError("x0: expected finite values")
        return arr.ravel().copy()

    @classmethod
    def from_template(cls, template: str | CNNTemplate, input_image: Any, **overrides: Any):
        """A network running a template of :data:`CNN_TEMPLATES` (or a :class:`CNNTemplate`)
        on ``input_image``, with the template's bias, initial state and boundary condition
        unless ``overrides`` (``boundary=``, ``x0=``, ...) say otherwise."""
        if isinstance(template, str):
            if template not in CNN_TEMPLATES:
                raise ValueError(
                    f"template: unknown template {template!r}; expected one of "
                    f"{sorted(CNN_TEMPLATES)}"
                )
            template = CNN_TEMPLATES[template]
        if not isinstance(template, CNNTemplate):
            raise TypeError(
                f"template: expected a name or CNNTemplate, got {type(template).__name__}"
            )
        kwargs = {
            "bias": template.bias,
            "boundary": template.boundary,
            "boundary_value": template.boundary_value,
            "x0": template.x0,
        }
        kwargs.update(overrides)
        return cls(template.A, template.B, input_image=input_image, **kwargs)

    @property
    def A(self) -> np.ndarray:
        """The feedback template, padded to (2r+1, 2r+1) (a copy of its parameter block)."""
        return self.param("A")

    @property
    def constant_input(self) -> np.ndarray:
        """B * u + I (+ the constant feedback of fixed virtual cells), shape (M, N) (a copy)."""
        return self.param("constant")

    @property
    def is_symmetric(self) -> bool:
        """Whether A[k, l] == A[-k, -l] (mirror symmetry too under zero flux): the energy is then
        a Lyapunov function."""
        a = self.A
        tol = 1e-12 * max(1.0, float(np.abs(a).max()))

        def same(other):
            return bool(np.allclose(a, other, rtol=0.0, atol=tol))

        sym = same(a[::-1, ::-1])
        if self.boundary == "zero_flux":
            sym = sym and same(a[::-1, :]) and same(a[:, ::-1])
        return bool(sym)

    def image(self, x: Any) -> np.ndarray:
        """States reshaped to images: (M*N,) -> (M, N), (M*N, T) -> (T, M, N)."""
        arr = np.asarray(x, dtype=np.float64)
        m, n = self.grid_shape
        if arr.ndim == 1 and arr.size == m * n:
            return arr.reshape(m, n)
        if arr.ndim == 2 and arr.shape[0] == m * n:
            return arr.T.reshape(-1, m, n)
        raise ValueError(f"x: expected shape ({m * n},) or ({m * n}, T), got {arr.shape}")

    def output(self, x: Any) -> np.ndarray:
        """The output images y = f(x) (same shapes as :meth:`image`)."""
        return cnn_output(self.image(x))

    def __repr__(self) -> str:
        m, n = self.grid_shape
        return f"CellularNetwork(grid={m}x{n}, radius={self.radius}, boundary={self.boundary!r})"


def _zero_like(a: np.ndarray) -> np.ndarray:
    return np.zeros_like(a)


def _finite(value: Any, argument: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{argument}: expected a number, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{argument}: expected a finite number, got {value!r}")
    return v


def _correlate_padded(padded: np.ndarray, t: np.ndarray, m: int, n: int) -> np.ndarray:
    out = np.zeros((m, n))
    for di in range(t.shape[0]):
        for dj in range(t.shape[1]):
            out += t[di, dj] * padded[di : di + m, dj : dj + n]
    return out


def binarize_image(image: Any, threshold: float | None = None) -> np.ndarray:
    """A grey-level (or RGB) image as a CNN input: +1 (black) where darker than ``threshold``
    (default: the mean grey level), -1 (white) elsewhere."""
    arr = np.asarray(image, dtype=np.float64)
    if arr.ndim == 3:
        arr = arr[..., :3] @ np.array([0.299, 0.587, 0.114])
    if arr.ndim != 2:
        raise ValueError(f"image: expected a 2-D grey or 3-D colour image, got shape {arr.shape}")
    level = float(arr.mean()) if threshold is None else float(threshold)
    return np.where(arr < level, 1.0, -1.0)


def sample_image(shape: tuple[int, int] = (256, 256)) -> np.ndarray:
    """Matplotlib's bundled photograph ``grace_hopper.jpg`` (offline) as a grey image in
    [0, 1], cropped to a square and resampled (nearest pixel) to ``shape``."""
    import matplotlib.cbook
    import matplotlib.image

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as fh:
        rgb = np.asarray(matplotlib.image.imread(fh, format="jpg"), dtype=np.float64)
    grey = rgb[..., :3] @ np.array([0.299, 0.587, 0.114]) / 255.0
    side = min(grey.shape)
    top = (grey.shape[0] - side) // 4  # keep the face: crop more from the bottom
    left = (grey.shape[1] - side) // 2
    grey = grey[top : top + side, left : left + side]
    m, n = (int(v) for v in shape)
    rows = (np.arange(m) + 0.5) * side / m
    cols = (np.arange(n) + 0.5) * side / n
    return grey[rows.astype(int)][:, cols.astype(int)]
