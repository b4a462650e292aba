"""TSPLIB instances and tours: parsing, distance rules, tour lengths (Reinelt 1991).

A :class:`TSPInstance` holds a symmetric distance matrix (and the city coordinates when the
file has them). :func:`load_tsplib` reads a TSPLIB95 ``.tsp`` file, :func:`load_tour` a
``.opt.tour`` file; instances are also built from coordinates, from a matrix, from a CSV of
coordinates, or as random uniform cities in the unit square.

Distances follow TSPLIB exactly (G. Reinelt, "TSPLIB -- A Traveling Salesman Problem
Library", ORSA J. Computing 3(4):376-384, 1991, and the TSPLIB95 documentation, section 2),
with ``nint(x) = (int)(x + 0.5)`` (round half up, not half to even):

* ``EUC_2D``  ``d = nint(sqrt(dx^2 + dy^2))``
* ``CEIL_2D`` ``d = ceil(sqrt(dx^2 + dy^2))``
* ``ATT``     ``r = sqrt((dx^2 + dy^2) / 10); t = nint(r); d = t + 1 if t < r else t``
* ``GEO``     coordinates ``DDD.MM`` (degrees, minutes); ``deg = (int) x`` (truncated),
  ``lat = PI (deg + 5 (x - deg) / 3) / 180`` with ``PI = 3.141592``, ``RRR = 6378.388``,
  ``d = (int)(RRR acos(((1 + q1) q2 - (1 - q1) q3) / 2) + 1)`` with ``q1 = cos(lon_i - lon_j)``,
  ``q2 = cos(lat_i - lat_j)``, ``q3 = cos(lat_i + lat_j)``; the acos argument is clamped to
  [-1, 1] and the diagonal set to 0.
* ``EXPLICIT`` with ``FULL_MATRIX``, ``UPPER_ROW``, ``LOWER_ROW``, ``UPPER_DIAG_ROW``,
  ``LOWER_DIAG_ROW`` (and their ``_COL`` twins, which list the same numbers).

Coordinate instances that are not TSPLIB files (:meth:`TSPInstance.from_coordinates` with the
default metric, CSV files, :func:`random_instance`) use unrounded Euclidean distances
(``edge_weight_type = "EUCLIDEAN"``). Files are parsed as text, never executed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "TSPInstance",
    "load_tsplib",
    "load_tour",
    "load_instance",
    "random_instance",
    "tour_length",
    "check_tour",
]

COORDINATE_TYPES = ("EUC_2D", "CEIL_2D", "GEO", "ATT", "EUCLIDEAN")
EDGE_WEIGHT_TYPES = ("EUC_2D", "CEIL_2D", "GEO", "ATT", "EXPLICIT")
EXPLICIT_FORMATS = (
    "FULL_MATRIX",
    "UPPER_ROW",
    "LOWER_ROW",
    "UPPER_DIAG_ROW",
    "LOWER_DIAG_ROW",
    "UPPER_COL",
    "LOWER_COL",
    "UPPER_DIAG_COL",
    "LOWER_DIAG_COL",
)
_PI_TSPLIB = 3.141592
_EARTH_RADIUS = 6378.388


@dataclass(frozen=True)
class TSPInstance:
    """A symmetric TSP instance.

    Attributes
    ----------
    name: the instance name (TSPLIB ``NAME``, without a ``.tsp`` suffix).
    distances: (n, n) symmetric matrix with zero diagonal: ``int64`` for the TSPLIB metrics,
        ``float64`` for unrounded Euclidean distances.
    coordinates: (n, 2) float array, or ``None`` for a matrix-only instance.
    edge_weight_type: ``"EUC_2D"``, ``"CEIL_2D"``, ``"GEO"``, ``"ATT"``, ``"EXPLICIT"`` or
        ``"EUCLIDEAN"`` (unrounded).
    comment: the TSPLIB ``COMMENT`` (or empty).
    """

    name: str
    distances: np.ndarray
    coordinates: np.ndarray | None = None
    edge_weight_type: str = "EXPLICIT"
    comment: str = ""
    source: str = field(default="", compare=False)

    @property
    def dimension(self) -> int:
        """The number of cities n."""
        return int(self.distances.shape[0])

    @property
    def n(self) -> int:
        """The number of cities (same as :attr:`dimension`)."""
        return self.dimension

    @classmethod
    def from_coordinates(
        cls, coordinates: Any, metric: str = "EUCLIDEAN", name: str = "cities"
    ) -> TSPInstance:
        """An instance from (n, 2) coordinates; ``metric`` is ``"EUCLIDEAN"`` (unrounded,
        default) or one of the TSPLIB rules ``"EUC_2D"``, ``"CEIL_2D"``, ``"GEO"``, ``"ATT"``."""
        coords = _coordinates(coordinates)
        if not isinstance(metric, str) or metric not in COORDINATE_TYPES:
            raise ValueError(f"metric: expected one of {list(COORDINATE_TYPES)}, got {metric!r}")
        return cls(str(name), distance_matrix(coords, metric), coords, metric)

    @classmethod
    def from_matrix(cls, distances: Any, name: str = "matrix") -> TSPInstance:
        """An instance from a symmetric (n, n) matrix of non-negative distances, zero diagonal.

        Integer-valued matrices are stored as ``int64``, others as ``float64``."""
        d = _matrix(distances)
        return cls(str(name), d, None, "EXPLICIT")

    def __repr__(self) -> str:
        return (f"TSPInstance(name={self.name!r}, n={self.n}, "
                f"edge_weight_type={self.edge_weight_type!r})")


def _coordinates(coordinates: Any) -> np.ndarray:
    try:
        coords = np.array(coordinates, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError("coordinates: expected a numeric (n, 2) array") from exc
    if coords.ndim != 2 or coords.shape[1] != 2 or coords.shape[0] < 3:
        raise ValueError(f"coordinates: expected shape (n, 2) with n >= 3, got {coords.shape}")
    if not np.all(np.isfinite(coords)):
        raise ValueError("coordinates: expected finite values")
    return coords


def _matrix(distances: Any) -> np.ndarray:
    try:
        d = np.array(distances, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError("distances: expected a numeric (n, n) matrix") from exc
    if d.ndim != 2 or d.shape[0] != d.shape[1] or d.shape[0] < 3:
        raise ValueError(f"distances: expected a square (n, n) matrix with n >= 3, got {d.shape}")
    if not np.all(np.isfinite(d)):
        raise ValueError("distances: expected finite values")
    if np.any(d < 0):
        raise ValueError("distances: expected non-negative values")
    if not np.array_equal(d, d.T):
        raise ValueError("distances: expected a symmetric matrix")
    if np.any(np.diag(d) != 0):
        raise ValueError("distances: expected a zero diagonal")
    if np.all(d == np.round(d)) and np.abs(d).max() < 2**52:
        return d.astype(np.int64)
    return d


def _nint(x: np.ndarray) -> np.ndarray:
    """TSPLIB's nint: (int)(x + 0.5) for x >= 0 (round half up)."""
    return np.floor(x + 0.5).astype(np.int64)


def _geo_radians(x: np.ndarray) -> np.ndarray:
    deg = np.trunc(x)  # (int) x: truncation toward zero, as in TSPLIB's C code
    minutes = x - deg
    return _PI_TSPLIB * (deg + 5.0 * minutes / 3.0) / 180.0


def distance_matrix(coords: np.ndarray, metric: str) -> np.ndarray:
    """The (n, n) distance matrix of ``coords`` under ``metric`` (see the module docstring)."""
    if metric == "GEO":
        lat = _geo_radians(coords[:, 0])
        lon = _geo_radians(coords[:, 1])
        q1 = np.cos(lon[:, None] - lon[None, :])
        q2 = np.cos(lat[:, None] - lat[None, :])
        q3 = np.cos(lat[:, None] + lat[None, :])
        arg = np.clip(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3), -1.0, 1.0)
        d = (_EARTH_RADIUS * np.arccos(arg) + 1.0).astype(np.int64)
        np.fill_diagonal(d, 0)
        return d
    dx = coords[:, 0][:, None] - coords[:, 0][None, :]
    dy = coords[:, 1][:, None] - coords[:, 1][None, :]
    sq = dx * dx + dy * dy
    if metric == "EUCLIDEAN":
        return np.sqrt(sq)
    if metric == "EUC_2D":
        return _nint(np.sqrt(sq))
    if metric == "CEIL_2D":
        return np.ceil(np.sqrt(sq)).astype(np.int64)
    if metric == "ATT":
        r = np.sqrt(sq / 10.0)
        t = _nint(r)
        return np.where(t < r, t + 1, t).astype(np.int64)
    raise ValueError(f"metric: expected one of {list(COORDINATE_TYPES)}, got {metric!r}")


# --------------------------------------------------------------------------------- parsing


class _Lines:
    """The lines of a text file with 1-based numbers, for error messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            text = path.read_text(encoding="utf-8", errors="strict")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}: not a text file ({exc.reason})") from exc
        self.lines = text.splitlines()
        self.pos = 0

    def error(self, lineno: int | None, message: str) -> ValueError:
        where = f"{self.path}:{lineno}" if lineno else f"{self.path}"
        return ValueError(f"{where}: {message}")

    def next(self) -> tuple[int, str] | None:
        while self.pos < len(self.lines):
            self.pos += 1
            line = self.lines[self.pos - 1].strip()
            if line:
                return self.pos, line
        return None

    def tokens(self):
        """Yield (line number, token) pairs until the end of the file."""
        while True:
            item = self.next()
            if item is None:
                return
            lineno, line = item
            for tok in line.split():
                yield lineno, tok


def _number(lines: _Lines, lineno: int, token: str, what: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise lines.error(lineno, f"{what}: expected a number, got {token!r}") from None
    if not math.isfinite(value):
        raise lines.error(lineno, f"{what}: expected a finite number, got {token!r}")
    return value


def _split_key(line: str) -> tuple[str, str] | None:
    """``KEY: value`` or ``KEY : value`` -> (KEY, value); a bare keyword -> (KEY, "")."""
    if ":" in line:
        key, value = line.split(":", 1)
        return key.strip().upper(), value.strip()
    parts = line.split()
    return parts[0].upper(), " ".join(parts[1:])


_SECTIONS = ("NODE_COORD_SECTION", "EDGE_WEIGHT_SECTION", "DISPLAY_DATA_SECTION",
             "TOUR_SECTION", "FIXED_EDGES_SECTION", "DEMAND_SECTION", "DEPOT_SECTION")


def _read_header_and_sections(lines: _Lines) -> tuple[dict[str, tuple[int, str]], dict]:
    """Header ``{KEY: (line, value)}`` and sections ``{NAME: [(line, tokens...)]}``."""
    header: dict[str, tuple[int, str]] = {}
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    while True:
        item = lines.next()
        if item is None:
            break
        lineno, line = item
        if line.upper() == "EOF":
            break
        key, value = _split_key(line)
        if key in _SECTIONS:
            current = key
            sections[current] = []
            if value:  # data on the keyword's own line
                sections[current].append((lineno, value.split()))
            continue
        if current is None:
            header[key] = (lineno, value)
            continue
        first = line.split()[0]
        if ":" in line and not _is_number(first):
            header[key] = (lineno, value)
            current = None
            continue
        sections[current].append((lineno, line.split()))
    return header, sections


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _dimension(lines: _Lines, header: dict) -> int:
    if "DIMENSION" not in header:
        raise lines.error(None, "missing DIMENSION in the header")
    lineno, value = header["DIMENSION"]
    try:
        n = int(value)
    except ValueError:
        raise lines.error(lineno, f"DIMENSION: expected an integer, got {value!r}") from None
    if n < 3:
        raise lines.error(lineno, f"DIMENSION: expected at least 3 cities, got {n}")
    return n


def _node_coords(lines: _Lines, rows: list, n: int, section_line: int | None) -> np.ndarray:
    if len(rows) < n:
        last = rows[-1][0] if rows else section_line
        raise lines.error(
            last, f"NODE_COORD_SECTION: expected {n} coordinate rows (DIMENSION), got {len(rows)}"
        )
    coords = np.empty((n, 2))
    seen = np.zeros(n, dtype=bool)
    for lineno, toks in rows[:n]:
        if len(toks) < 3:
            raise lines.error(
                lineno, f"NODE_COORD_SECTION: expected 'id x y', got {' '.join(toks)!r}"
            )
        node = _number(lines, lineno, toks[0], "node id")
        if node != int(node) or not 1 <= node <= n:
            raise lines.error(lineno, f"node id: expected an integer in 1..{n}, got {toks[0]!r}")
        k = int(node) - 1
        if seen[k]:
            raise lines.error(lineno, f"node id: {k + 1} appears twice")
        seen[k] = True
        coords[k, 0] = _number(lines, lineno, toks[1], "x coordinate")
        coords[k, 1] = _number(lines, lineno, toks[2], "y coordinate")
    if len(rows) > n:
        raise lines.error(rows[n][0], f"NODE_COORD_SECTION: more than DIMENSION={n} rows")
    return coords


def _explicit(lines: _Lines, rows: list, n: int, fmt: str, fmt_line: int) -> np.ndarray:
    values: list[float] = []
    last_line = fmt_line
    for lineno, toks in rows:
        last_line = lineno
        for tok in toks:
            values.append(_number(lines, lineno, tok, "edge weight"))
    counts = {
        "FULL_MATRIX": n * n,
        "UPPER_ROW": n * (n - 1) // 2,
        "LOWER_ROW": n * (n - 1) // 2,
        "UPPER_COL": n * (n - 1) // 2,
        "LOWER_COL": n * (n - 1) // 2,
        "UPPER_DIAG_ROW": n * (n + 1) // 2,
        "LOWER_DIAG_ROW": n * (n + 1) // 2,
        "UPPER_DIAG_COL": n * (n + 1) // 2,
        "LOWER_DIAG_COL": n * (n + 1) // 2,
    }
    need = counts[fmt]
    if len(values) != need:
        raise lines.error(
            last_line,
            f"EDGE_WEIGHT_SECTION: {fmt} with DIMENSION={n} needs {need} numbers, "
            f"got {len(values)}",
        )
    w = np.asarray(values)
    d = np.zeros((n, n))
    if fmt == "FULL_MATRIX":
        d = w.reshape(n, n)
        if not np.array_equal(d, d.T):
            raise lines.error(fmt_line, "EDGE_WEIGHT_SECTION: FULL_MATRIX is not symmetric")
    else:
        # a column-wise triangle lists the same numbers as the row-wise opposite triangle
        twin = {"UPPER_COL": "LOWER_ROW", "LOWER_COL": "UPPER_ROW",
                "UPPER_DIAG_COL": "LOWER_DIAG_ROW", "LOWER_DIAG_COL": "UPPER_DIAG_ROW"}
        fmt_rows = twin.get(fmt, fmt)
        k = 0
        for i in range(n):
            if fmt_rows == "UPPER_ROW":
                cols = range(i + 1, n)
            elif fmt_rows == "LOWER_ROW":
                cols = range(i)
            elif fmt_rows == "UPPER_DIAG_ROW":
                cols = range(i, n)
            else:
                cols = range(i + 1)
            for j in cols:
                d[i, j] = d[j, i] = w[k]
                k += 1
    if np.any(d < 0):
        raise lines.error(fmt_line, "EDGE_WEIGHT_SECTION: negative edge weight")
    np.fill_diagonal(d, 0.0)
    if np.all(d == np.round(d)):
        return d.astype(np.int64)
    return d


def load_tsplib(path: str | Path) -> TSPInstance:
    """Read a symmetric TSPLIB95 ``.tsp`` file (see the module docstring for the metrics).

    Raises ``ValueError`` naming the file and line for a malformed file: missing
    ``DIMENSION``, too few coordinate rows or edge weights, an unknown ``EDGE_WEIGHT_TYPE`` or
    ``EDGE_WEIGHT_FORMAT``, non-numeric fields. ``FileNotFoundError`` if there is no file.
    """
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path: expected a file path (str or Path), got {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    lines = _Lines(path)
    header, sections = _read_header_and_sections(lines)
    n = _dimension(lines, header)
    kind_line, kind = header.get("TYPE", (None, "TSP"))
    if kind.split()[0].upper() not in ("TSP",):
        raise lines.error(kind_line, f"TYPE: expected TSP (symmetric), got {kind!r}")
    if "EDGE_WEIGHT_TYPE" not in header:
        raise lines.error(None, "missing EDGE_WEIGHT_TYPE in the header")
    ew_line, ew_type = header["EDGE_WEIGHT_TYPE"]
    ew_type = ew_type.upper()
    if ew_type not in EDGE_WEIGHT_TYPES:
        raise lines.error(
            ew_line,
            f"EDGE_WEIGHT_TYPE: unknown or unsupported type {ew_type!r}; expected one of "
            f"{', '.join(EDGE_WEIGHT_TYPES)}",
        )
    name = header.get("NAME", (None, path.stem))[1] or path.stem
    if name.lower().endswith(".tsp"):
        name = name[:-4]
    comment = header.get("COMMENT", (None, ""))[1]
    coords = None
    if "NODE_COORD_SECTION" in sections:
        coords = _node_coords(lines, sections["NODE_COORD_SECTION"], n, None)
    elif "DISPLAY_DATA_SECTION" in sections and ew_type == "EXPLICIT":
        coords = _node_coords(lines, sections["DISPLAY_DATA_SECTION"], n, None)
    if ew_type == "EXPLICIT":
        if "EDGE_WEIGHT_FORMAT" not in header:
            raise lines.error(ew_line, "EXPLICIT weights need an EDGE_WEIGHT_FORMAT")
        fmt_line, fmt = header["EDGE_WEIGHT_FORMAT"]
        fmt = fmt.upper()
        if fmt not in EXPLICIT_FORMATS:
            raise lines.error(
                fmt_line,
                f"EDGE_WEIGHT_FORMAT: unknown format {fmt!r}; expected one of "
                f"{', '.join(EXPLICIT_FORMATS)}",
            )
        if "EDGE_WEIGHT_SECTION" not in sections:
            raise lines.error(None, "EXPLICIT weights but no EDGE_WEIGHT_SECTION")
        d = _explicit(lines, sections["EDGE_WEIGHT_SECTION"], n, fmt, fmt_line)
    else:
        if coords is None:
            raise lines.error(ew_line, f"EDGE_WEIGHT_TYPE {ew_type} needs a NODE_COORD_SECTION")
        d = distance_matrix(coords, ew_type)
    return TSPInstance(name, d, coords, ew_type, comment, str(path))


def load_tour(path: str | Path) -> np.ndarray:
    """Read a TSPLIB ``.tour`` file: the tour as 0-based city indices (int64 array).

    The ``TOUR_SECTION`` lists 1-based ids (any number per line) ended by ``-1`` or the end
    of the file. Raises ``ValueError`` (file and line) for non-integer ids, a length that
    differs from ``DIMENSION``, or a city listed twice.
    """
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path: expected a file path (str or Path), got {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    lines = _Lines(path)
    header, sections = _read_header_and_sections(lines)
    if "TOUR_SECTION" not in sections:
        raise lines.error(None, "no TOUR_SECTION")
    n = _dimension(lines, header) if "DIMENSION" in header else None
    ids: list[int] = []
    seen: set[int] = set()
    last = None
    for lineno, toks in sections["TOUR_SECTION"]:
        last = lineno
        done = False
        for tok in toks:
            try:
                v = int(tok)
            except ValueError:
                raise lines.error(
                    lineno, f"tour: expected an integer city id, got {tok!r}"
                ) from None
            if v == -1:
                done = True
                break
            if v < 1 or (n is not None and v > n):
                raise lines.error(lineno, f"tour: city id {v} out of range 1..{n}")
            if v - 1 in seen:
                raise lines.error(lineno, f"tour: city {v} appears twice")
            seen.add(v - 1)
            ids.append(v - 1)
        if done:
            break
    tour = np.asarray(ids, dtype=np.int64)
    if n is not None and tour.size != n:
        raise lines.error(last, f"tour: expected {n} cities (DIMENSION), got {tour.size}")
    if tour.size < 3:
        raise lines.error(last, f"tour: expected at least 3 cities, got {tour.size}")
    return tour


def _load_csv(path: Path) -> TSPInstance:
    rows = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.replace(";", ",").split(",")]
        if not rows and not all(_is_number(p) for p in parts):
            continue  # a header line such as "x,y"
        if len(parts) < 2:
            raise ValueError(f"{path}:{lineno}: expected 'x,y', got {line!r}")
        vals = []
        for p in parts[-2:]:
            try:
                vals.append(float(p))
            except ValueError:
                raise ValueError(f"{path}:{lineno}: expected a number, got {p!r}") from None
            if not math.isfinite(vals[-1]):
                raise ValueError(f"{path}:{lineno}: expected a finite number, got {p!r}")
        rows.append(vals)
    if len(rows) < 3:
        raise ValueError(f"{path}: expected at least 3 coordinate rows, got {len(rows)}")
    return TSPInstance(path.stem, distance_matrix(np.asarray(rows), "EUCLIDEAN"),
                       np.asarray(rows), "EUCLIDEAN", "", str(path))


def load_instance(path: str | Path) -> TSPInstance:
    """A TSPLIB ``.tsp`` file, or a ``.csv`` of city coordinates (``x,y`` per line, an optional
    header line; unrounded Euclidean distances)."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path: expected a file path (str or Path), got {type(path).__name__}")
    path = Path(path)
    if path.suffix.lower() == ".csv":
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
        return _load_csv(path)
    return load_tsplib(path)


def random_instance(n: int, seed: int | np.random.Generator | None = None,
                    metric: str = "EUCLIDEAN", scale: float = 1.0) -> TSPInstance:
    """``n`` cities uniform in the square [0, scale]^2 (``metric`` as in
    :meth:`TSPInstance.from_coordinates`; use ``"EUC_2D"`` with a large ``scale`` for integer
    distances)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n: expected an int, got {type(n).__name__}")
    if n < 3:
        raise ValueError(f"n: expected at least 3 cities, got {n}")
    if not isinstance(scale, (int, float)) or not scale > 0:
        raise ValueError(f"scale: expected a number > 0, got {scale!r}")
    rng = np.random.default_rng(seed)
    coords = rng.uniform(0.0, float(scale), size=(int(n), 2))
    return TSPInstance.from_coordinates(coords, metric=metric, name=f"random{n}")


def check_tour(tour: Any, n: int, argument: str = "tour") -> np.ndarray:
    """``tour`` as an int64 array, checked to be a permutation of 0..n-1."""
    try:
        arr = np.asarray(tour)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{argument}: expected a sequence of city indices") from exc
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        if arr.ndim == 1 and np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{argument}: expected a 1-D sequence of integer city indices")
    arr = arr.astype(np.int64)
    if arr.size != n or not np.array_equal(np.sort(arr), np.arange(n)):
        raise ValueError(f"{argument}: expected a permutation of 0..{n - 1} (each city once)")
    return arr


def tour_length(instance: TSPInstance | Any, tour: Sequence[int] | np.ndarray) -> float | int:
    """The length of the closed ``tour`` (0-based city indices) by the instance's own metric:
    an ``int`` for TSPLIB integer distances, a ``float`` otherwise."""
    d = instance.distances if isinstance(instance, TSPInstance) else _matrix(instance)
    t = check_tour(tour, d.shape[0])
    total = d[t, np.roll(t, -1)].sum()
    return int(total) if np.issubdtype(d.dtype, np.integer) else float(total)
