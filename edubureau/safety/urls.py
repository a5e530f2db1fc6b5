"""Safety routes, one module per area, all in the ``safety`` namespace."""

from edubureau.safety.urls_dashboard import urlpatterns as dashboard
from edubureau.safety.urls_hazards import urlpatterns as hazards
from edubureau.safety.urls_inspections import urlpatterns as inspections
from edubureau.safety.urls_ledgers import urlpatterns as ledgers

app_name = "safety"
urlpatterns = [*inspections, *hazards, *ledgers, *dashboard]
