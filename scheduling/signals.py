"""Signals that scheduling sends to the apps built on it (reports), which it must not
import: imports point locations ← accounts ← scheduling ← reports."""

from django.dispatch import Signal

# Sent after appointments and their history were written in bulk, around the models'
# save signals (seed_demo): a listener must treat every day as changed.
appointments_bulk_loaded = Signal()
