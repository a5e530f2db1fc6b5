"""Isolation-check targets for the ledgers routes (see edubureau/testing/isolation.py)."""

from edubureau.safety.tests import factories_ledgers as f
from edubureau.testing.isolation import register_target

register_target(
    "responsibilityletter_id", lambda c: f.ResponsibilityLetterFactory(school=c.school_b)
)
register_target("emergencyplan_id", lambda c: f.EmergencyPlanFactory(school=c.school_b))
register_target("drill_id", lambda c: f.DrillFactory(school=c.school_b))
register_target("educationactivity_id", lambda c: f.EducationActivityFactory(school=c.school_b))
register_target("vehicle_id", lambda c: f.VehicleFactory(school=c.school_b))
register_target("canteen_id", lambda c: f.CanteenFactory(school=c.school_b))
register_target("securityresources_id", lambda c: f.SecurityResourcesFactory(school=c.school_b))
