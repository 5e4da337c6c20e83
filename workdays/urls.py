from django.urls import path

from workdays import views

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("days/<int:pk>/delete/", views.calendar_day_delete, name="calendar-day-delete"),
    path("<int:year>/publish/", views.calendar_year_publish, name="calendar-year-publish"),
]
