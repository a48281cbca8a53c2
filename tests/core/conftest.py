"""Fixtures shared by the core tests: `cli` (the `medialens` command on a temp library, from test_cli)."""

from tests.core.test_cli import cli  # noqa: F401  (registers the fixture for every module here)
