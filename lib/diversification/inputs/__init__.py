"""Inputs layer: reading files, schemas, configuration, reference tables, DECP rules. Imports nothing above it (see docs/ARCHITECTURE.md)."""
