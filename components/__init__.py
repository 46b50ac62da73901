"""Reusable UI pieces. They take plain values and callbacks and never open a database session."""
