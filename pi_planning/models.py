"""PI planning models."""
