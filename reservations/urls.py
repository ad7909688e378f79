from django.urls import path

from reservations import views

urlpatterns = [
    path("", views.home, name="home"),
    path("faq/", views.faq, name="faq"),
    path("help/", views.help_page, name="help"),
]
