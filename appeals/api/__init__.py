"""The appeals REST API (诉求): registered under /api/v1/ by liaison.api.urls."""
