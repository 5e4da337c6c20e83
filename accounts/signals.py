"""What happens to accounts, for whoever records it (the audit log listens; accounts never imports it)."""

from django.dispatch import Signal

# Sent with user, acting_user (None when the user did it themselves) and request (may be None).
password_changed = Signal()
# Sent with token, acting_user and request.
token_created = Signal()
# Sent with token, acting_user, reason and request.
token_revoked = Signal()
# Sent with username, ip_address, count (attempts removed), acting_user and request.
lockout_reset = Signal()
