"""Program content: typed models validated from the YAML under content/."""
from core.content.schema import (
    REMINDER_PLACEHOLDERS, CalendarTemplate, CarryForward, Content, EventRef, Flow, KomunitasBelajar,
    Lokakarya, Option, PmoGuide, PmoMonth, PmoStep, PrefillSource, Question, ReminderRule, Section, Stage,
)
from core.content.loader import ContentError, Problem, load_content

__all__ = [
    "REMINDER_PLACEHOLDERS", "CalendarTemplate", "CarryForward", "Content", "ContentError", "EventRef",
    "Flow", "KomunitasBelajar", "Lokakarya", "Option", "PmoGuide", "PmoMonth", "PmoStep", "PrefillSource", "Problem",
    "Question", "ReminderRule", "Section", "Stage", "load_content",
]
