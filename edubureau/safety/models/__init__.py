"""Safety records: checklists, inspections, hazards, ledgers.

Every school-owned table carries ``school_id`` directly (photos and child rows
too) and reads through :class:`~edubureau.orgs.scoping.SchoolScopedQuerySet`.
"""

from edubureau.safety.models.bureaus import BureauChase, SafetySettings
from edubureau.safety.models.checklists import SAFETY, Checklist, ChecklistCategory, ChecklistItem
from edubureau.safety.models.hazards import Hazard, HazardPhoto, HazardSource
from edubureau.safety.models.inspections import (
    Campaign,
    Inspection,
    InspectionKind,
    InspectionPhoto,
    InspectionStatus,
    ItemResult,
)
from edubureau.safety.models.ledgers import (
    Canteen,
    CanteenGrade,
    Drill,
    DrillKind,
    EducationActivity,
    EmergencyPlan,
    LetterTier,
    ResponsibilityLetter,
    SecurityResources,
    Vehicle,
    VehicleKind,
)

__all__ = [
    "SAFETY",
    "BureauChase",
    "Campaign",
    "Canteen",
    "CanteenGrade",
    "Checklist",
    "ChecklistCategory",
    "ChecklistItem",
    "Drill",
    "DrillKind",
    "EducationActivity",
    "EmergencyPlan",
    "Hazard",
    "HazardPhoto",
    "HazardSource",
    "Inspection",
    "InspectionKind",
    "InspectionPhoto",
    "InspectionStatus",
    "ItemResult",
    "LetterTier",
    "ResponsibilityLetter",
    "SafetySettings",
    "SecurityResources",
    "Vehicle",
    "VehicleKind",
]
