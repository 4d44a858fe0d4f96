"""Publish layer: formatting, charts, the publishing gate, safe writers, HTML/PDF/xlsx, the study context of a phase. Imports the layers below it (see docs/ARCHITECTURE.md)."""
