"""Simulators of the mine's event sources: replay files or Pub/Sub topics."""
