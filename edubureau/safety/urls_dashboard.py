from django.urls import path

from edubureau.safety.views import dashboard as views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path(
        "circulars/campaign/<int:campaign_id>/",
        views.circular_campaign,
        name="circular-campaign",
    ),
    path(
        "circulars/campaign/<int:campaign_id>/schools/<int:school_id>/",
        views.campaign_feedback_download,
        name="campaign-feedback",
    ),
    path("circulars/month/<int:year>/<int:month>/", views.circular_month, name="circular-month"),
]
