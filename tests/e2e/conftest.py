"""Fixtures shared by the end-to-end tests: `cli` (the `medialens` command on a temp library, from test_cli)."""

from tests.e2e.test_cli import cli  # noqa: F401  (registers the fixture for every module here)
