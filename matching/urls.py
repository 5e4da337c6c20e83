from django.urls import path

from matching import views

urlpatterns = [
    path("matching/", views.index, name="matching"),
    path("matching/proposals/<int:pk>/", views.proposal_detail, name="matching-proposal"),
    path("matching/proposals/<int:pk>/accept/", views.proposal_accept, name="matching-accept"),
    path("matching/settings/", views.matching_settings, name="matching-settings"),
    path("matching/blocked/", views.blocked_list, name="matching-blocked"),
    path("matching/blocked/<int:pk>/delete/", views.blocked_delete, name="matching-blocked-delete"),
    path("matching/replacement/<int:enterprise_id>/", views.replacement_pair, name="matching-replacement"),
]
