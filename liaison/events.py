"""Signals the core sends for the apps above it to act on, so that the core never imports them."""

from django.dispatch import Signal

# A visit recorded (or corrected) the policies its cadre explained: the policies app marks the
# enterprise's pending deliveries of them as informed. Sent inside the visit's transaction, with
# `visit` and `acting_user`.
visit_policies_recorded = Signal()
