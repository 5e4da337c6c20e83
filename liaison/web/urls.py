from django.urls import path

from liaison.web import pickers, records, views

urlpatterns = [
    path("", views.home, name="home"),
    path("roster/", views.roster, name="roster"),
    path("roster/pair/", views.pair, name="roster-pair"),
    path("roster/pairings/<int:pk>/end/", views.assignment_end, name="assignment-end"),
    path("visits/", views.visit_list, name="visit-list"),
    path("visits/<int:pk>/", views.visit_detail, name="visit-detail"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit-edit"),
    path("visits/<int:pk>/withdraw/", views.visit_withdraw, name="visit-withdraw"),
    path("visits/attachments/<int:pk>/", views.visit_attachment, name="visit-attachment"),
    path("enterprises/<int:enterprise_id>/visits/new/", views.visit_create, name="visit-create"),
    path("units/", views.unit_list, name="unit-list"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("cadres/<int:pk>/", views.cadre_detail, name="cadre-detail"),
    path("cadres/new/", records.cadre_create, name="cadre-create"),
    path("cadres/<int:pk>/edit/", records.cadre_edit, name="cadre-edit"),
    path("pickers/units/", pickers.unit_picker, name="picker-units"),
    path("pickers/streets/", pickers.street_picker, name="picker-streets"),
    path("pickers/cadres/", pickers.cadre_picker, name="picker-cadres"),
    path("pickers/users/", pickers.user_picker, name="picker-users"),
]
