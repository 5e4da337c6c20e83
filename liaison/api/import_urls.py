"""API endpoints for imports (owned by the import/export work)."""

urlpatterns = []
