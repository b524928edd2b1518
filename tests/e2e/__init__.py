"""End-to-end browser tests (package so conftest/tests can use relative imports)."""
