"""Indicators layer: pure functions from clean tables to indicator tables (and the disclosure rule they apply). Imports only `inputs` (see docs/ARCHITECTURE.md)."""
