from django.urls import path

from lottery import views

urlpatterns = [
    path("results/", views.results, name="results"),
    path("draws/", views.draws, name="draws"),
    path("draws/verify.py", views.verifier, name="verifier"),
    path("draws/ledger.json", views.ledger, name="ledger"),
    path("draws/<int:draw_id>/", views.draw_detail, name="draw"),
    path("draws/<int:draw_id>/certificate.json", views.certificate, name="certificate"),
    path("draws/<int:draw_id>/pool.txt", views.pool_file, name="pool_file"),
    path("draws/<int:draw_id>/winners.txt", views.winners_file, name="winners_file"),
    path("draws/<int:draw_id>/proof", views.proof, name="proof"),
    path("draws/<int:draw_id>/check", views.check, name="check"),
]
