from django.urls import path, re_path

from orders import api

urlpatterns = [
    path("api/partner/v1/verify", api.verify, name="partner_verify"),
    path("api/partner/v1/orders", api.orders, name="partner_orders"),
    path("api/partner/v1/orders/<str:order_id>/status", api.order_status, name="partner_status"),
    re_path(r"^api/partner/", api.not_found),
]
