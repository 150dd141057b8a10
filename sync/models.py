"""Train events models."""
