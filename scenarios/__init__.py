"""The scenario scripts, one experiment per file (installed as ``dynamics.scenario_scripts``).

Each ``<name>.py`` here is listed by ``dynamics scenarios`` and run by ``dynamics run NAME``;
files whose name starts with ``_`` are not scenarios.
"""
