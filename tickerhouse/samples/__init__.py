"""Deterministic generators of realistic sample and benchmark corpora."""
