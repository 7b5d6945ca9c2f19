"""Rendering only: traces become rich tables or JSON here, and nothing here computes a rule."""
