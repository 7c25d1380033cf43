"""Topology model and resilience analyses (coming with issue 5)."""
