"""Import and export pages, under /data/."""

from django.urls import path

from liaison import data_views

urlpatterns = [
    path("import/", data_views.import_start, name="import-start"),
    path("import/template/<str:kind>.xlsx", data_views.import_template, name="import-template"),
    path("import/<uuid:token>/", data_views.import_preview, name="import-preview"),
    path("import/<uuid:token>/confirm/", data_views.import_confirm, name="import-confirm"),
    path("import/<uuid:token>/cancel/", data_views.import_cancel, name="import-cancel"),
    path("export/roster.xlsx", data_views.export_roster, name="export-roster"),
    path("export/visits.xlsx", data_views.export_visits, name="export-visits"),
    path("export/enterprises.xlsx", data_views.export_enterprises, name="export-enterprises"),
    path("export/cadres.xlsx", data_views.export_cadres, name="export-cadres"),
]
