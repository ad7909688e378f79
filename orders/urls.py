from django.urls import path, re_path

from orders import api

# Mounted at api/partner/ (config/urls.py); anything else under it answers a JSON 404.
urlpatterns = [
    path("v1/verify", api.verify, name="partner_verify"),
    path("v1/orders", api.orders, name="partner_orders"),
    path("v1/orders/<str:order_id>/status", api.order_status, name="partner_status"),
    re_path(r"^", api.not_found),
]
