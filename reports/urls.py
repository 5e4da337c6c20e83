from django.urls import path

from reports import views

urlpatterns = [
    path("dispatch/", views.dispatch_weeks, name="dispatch-weeks"),
    path("dispatch/interviews/", views.interview_list, name="interview-list"),
    path("dispatch/interviews/<int:pk>/record/", views.interview_record, name="interview-record"),
    path("dispatch/<str:week>/", views.dispatch_week, name="dispatch-week"),
    path("bulletins/", views.bulletin_list, name="bulletin-list"),
    path("bulletins/publish/", views.bulletin_publish, name="bulletin-publish"),
    path("bulletins/reissue/", views.bulletin_reissue, name="bulletin-reissue"),
    path("bulletins/<str:month>/", views.bulletin_detail, name="bulletin-detail"),
    path("bulletins/<str:month>/documents/", views.bulletin_documents, name="bulletin-documents"),
    path("bulletins/<str:month>/pdf", views.bulletin_pdf, name="bulletin-pdf"),
    path("bulletins/<str:month>/xlsx", views.bulletin_xlsx, name="bulletin-xlsx"),
]
