"""Production settings plus the floor views of bench/http.py (never used outside the benchmark)."""

from liaison.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
