"""Production settings plus the bare baseline views that `make bench` compares against."""

from .production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
