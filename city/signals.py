"""Signals the kernel sends to the apps above it, which it may not import."""

from django.dispatch import Signal

# Sent by `city.services.reference_data_load` with `data`, the reference module being loaded;
# a receiver loads its app's part of it and returns a Counter of the rows it created.
reference_data_loaded = Signal()
