from django.urls import path

from portal import dashboard_views, open_data_views, resident_views, views


def _table(name: str, extension: str):
    """`/open-data/<name>.<extension>`, named `open_data_<name>_<extension>`."""
    return path(
        f"open-data/{name}.{extension}",
        open_data_views.table_file,
        {"name": name, "extension": extension},
        name=f"open_data_{name.replace('-', '_')}_{extension}",
    )


urlpatterns = [
    path("", views.home, name="home"),
    path("me/", resident_views.me, name="me"),
    path("faq/", views.faq, name="faq"),
    path("help/", views.help_page, name="help"),
    path("open-data/", open_data_views.listing, name="open_data"),
    _table("draws", "json"),
    _table("draws", "csv"),
    _table("daily-reservations", "json"),
    _table("daily-reservations", "csv"),
    _table("pickup-batches", "json"),
    _table("pickup-batches", "csv"),
    path("open-data/stock.json", open_data_views.stock_file, name="open_data_stock"),
    path("sign-in/", resident_views.sign_in, name="sign_in"),
    path("sign-in/code/", resident_views.sign_in_code, name="sign_in_code"),
    path("sign-out/", resident_views.sign_out, name="sign_out"),
    path("me/verify/", resident_views.verify, name="verify"),
    path("me/address/", resident_views.address, name="address"),
    path("me/reserve/", resident_views.reserve, name="reserve"),
    path("me/cancel/", resident_views.cancel, name="cancel"),
    # The admin home, ahead of the admin's own index (this file is included first): the
    # dashboard for officials and notaries, Django's index for other staff. No name of its
    # own: `admin:index` leads here.
    path("admin/", dashboard_views.admin_home_view),
]
