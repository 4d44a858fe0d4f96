"""Run layer: engine, runner, batch, CLI, scaffold, training: the entry points (see docs/ARCHITECTURE.md)."""
