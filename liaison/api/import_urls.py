"""API endpoints for imports and Excel exports, under /api/v1/."""

from django.urls import path

from liaison.api import imports

urlpatterns = [
    path("imports/enterprises/", imports.EnterpriseImportView.as_view(), name="api-import-enterprises"),
    path("imports/cadres/", imports.CadreImportView.as_view(), name="api-import-cadres"),
    path("exports/roster.xlsx", imports.RosterExportView.as_view(), name="api-export-roster"),
    path("exports/visits.xlsx", imports.VisitExportView.as_view(), name="api-export-visits"),
    path("exports/enterprises.xlsx", imports.EnterpriseExportView.as_view(), name="api-export-enterprises"),
    path("exports/cadres.xlsx", imports.CadreExportView.as_view(), name="api-export-cadres"),
]
