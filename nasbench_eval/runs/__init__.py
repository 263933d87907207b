"""Runs: drive a method against an estimator under a budget, and keep the record."""
