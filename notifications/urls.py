from django.urls import path

from notifications import views

urlpatterns = [path("dev/sms/", views.console_messages, name="console_messages")]
