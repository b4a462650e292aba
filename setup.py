"""Build configuration beyond pyproject.toml: ship the top-level ``scenarios/`` folder.

The scenario scripts live in ``scenarios/`` in the source tree (where users find and edit
them); in a built distribution they are the package ``dynamics.scenario_scripts``, so that
``dynamics scenarios`` lists and runs them wherever the package is installed.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["dynamics", "dynamics.*"]), "dynamics.scenario_scripts"],
    package_dir={"dynamics.scenario_scripts": "scenarios"},
    package_data={
        "dynamics.data": ["*.md", "*.csv", "tsplib/*", "gset/*"],
        "dynamics.scenario_scripts": ["data/*"],
    },
)
