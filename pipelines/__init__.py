"""Minera data platform: Beam pipelines that load the mine's sources into the warehouse."""
