"""Training: the official recipes and a resumable, deterministic trainer."""
