from django.urls import path

from portal import views

urlpatterns = [
    # The enterprise's contact (no staff account): /e/…
    path("e/", views.portal_home, name="portal-home"),
    path("e/login/", views.portal_login, name="portal-login"),
    path("e/logout/", views.portal_logout, name="portal-logout"),
    path("e/s/<str:token>/", views.portal_link, name="portal-link"),
    path("e/appeals/new/", views.portal_appeal_new, name="portal-appeal-new"),
    path("e/appeals/<int:pk>/", views.portal_appeal, name="portal-appeal"),
    path("e/appeals/<int:pk>/verdict/", views.portal_appeal_verdict, name="portal-appeal-verdict"),
    path("e/policies/", views.portal_policies, name="portal-policies"),
    # Staff: the enterprise's cards.
    path("enterprises/<int:pk>/contacts/new/", views.contact_issue, name="contact-issue"),
    path("contacts/<int:pk>/card/", views.contact_card, name="contact-card"),
    path("contacts/<int:pk>/reissue/", views.contact_reissue, name="contact-reissue"),
    path("contacts/<int:pk>/revoke/", views.contact_revoke, name="contact-revoke"),
]
