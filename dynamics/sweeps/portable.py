"""Sending the swept function to worker processes: pickling, names, scenario functions.

Worker processes (a local pool or Dask workers on other machines) receive the function as a
pickle, which refers to it by module and name; so it must be defined with ``def`` at the top
level of an importable module. Functions of scenario scripts (loaded from ``scenarios/`` by
:func:`dynamics.scenarios.load_scenario`, which does not make them importable by name) are
wrapped in :class:`ScenarioFunction`, which the worker resolves by loading the scenario again.
"""

from __future__ import annotations

import functools
import pickle
from collections.abc import Callable
from typing import Any

__all__ = ["ScenarioFunction", "portable", "function_name", "dump_function", "load_function"]

SCENARIO_MODULE_PREFIX = "dynamics_scenario_"
_SCENARIOS: dict[str, Any] = {}
_LOADED: dict[bytes, Callable] = {}


class ScenarioFunction:
    """A picklable reference to function ``attr`` (default ``task``) of a scenario script."""

    def __init__(self, scenario: str, attr: str = "task"):
        if not isinstance(scenario, str) or not scenario:
            raise TypeError(f"scenario: expected a scenario name (str), got {scenario!r}")
        self.scenario = scenario
        self.attr = attr

    @property
    def sweep_name(self) -> str:
        return f"scenario:{self.scenario}:{self.attr}"

    def resolve(self) -> Callable:
        module = _SCENARIOS.get(self.scenario)
        if module is None:
            from dynamics.scenarios import load_scenario

            module = _SCENARIOS[self.scenario] = load_scenario(self.scenario)
        fn = module
        for part in self.attr.split("."):
            fn = getattr(fn, part, None)
            if fn is None:
                raise ValueError(
                    f"scenario {self.scenario!r} defines no {self.attr}(params, seed) function"
                )
        return fn

    def __call__(self, params: dict, seed: int) -> Any:
        return self.resolve()(params, seed)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ScenarioFunction) and (self.scenario, self.attr) == (
            other.scenario,
            other.attr,
        )

    def __hash__(self) -> int:
        return hash((self.scenario, self.attr))

    def __repr__(self) -> str:
        return f"ScenarioFunction({self.scenario!r}, {self.attr!r})"


def portable(fn: Callable) -> Callable:
    """``fn``, or a :class:`ScenarioFunction` for a function defined in a scenario script."""
    module = getattr(fn, "__module__", None) or ""
    if module.startswith(SCENARIO_MODULE_PREFIX) and hasattr(fn, "__qualname__"):
        return ScenarioFunction(module[len(SCENARIO_MODULE_PREFIX):], fn.__qualname__)
    return fn


def function_name(fn: Callable) -> str:
    """The name recorded in a store to recognise the sweep's function on resume."""
    if isinstance(fn, ScenarioFunction):
        return fn.sweep_name
    if isinstance(fn, functools.partial):
        return f"functools.partial({function_name(fn.func)}, ...)"
    module = getattr(fn, "__module__", None) or type(fn).__module__
    name = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return f"{module}.{name}"


def dump_function(fn: Callable, by_value: bool = False) -> bytes:
    """Pickle ``fn`` for the workers, or raise a ``TypeError`` saying how to fix it.

    ``by_value=True`` uses cloudpickle (shipped with Dask), which also sends functions defined
    in ``__main__`` (a notebook or script) and lambdas by value to remote workers.
    """
    try:
        if by_value:
            import cloudpickle

            return cloudpickle.dumps(fn)
        return pickle.dumps(fn)
    except Exception as exc:
        raise TypeError(
            f"fn: {function_name(fn)} cannot be sent to worker processes because it cannot be "
            f"pickled ({type(exc).__name__}: {exc}); define it with `def` at the top level of "
            "an importable module (not a lambda, nested function or closure), or use "
            "executor='serial'"
        ) from None


def load_function(blob: bytes | Callable) -> Callable:
    """The function behind ``blob`` (cached per process); a callable is returned as is."""
    if callable(blob):
        return blob
    fn = _LOADED.get(blob)
    if fn is None:
        fn = pickle.loads(blob)
        if len(_LOADED) > 64:
            _LOADED.clear()
        _LOADED[blob] = fn
    return fn
