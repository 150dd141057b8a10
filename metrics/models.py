"""Metrics models."""
