"""Benchmarks run on a developer's machine with the production settings module; they bring their own
secret key (production refuses to start without one)."""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-key-" + "k" * 50)
