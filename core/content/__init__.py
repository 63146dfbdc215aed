"""Program content: typed models validated from the YAML under content/."""
from core.content.schema import (
    CalendarTemplate, Content, Flow, Lokakarya, Option, PmoMonth, Question, ReminderRule, Section,
)
from core.content.loader import ContentError, load_content

__all__ = [
    "CalendarTemplate", "Content", "ContentError", "Flow", "Lokakarya", "Option", "PmoMonth",
    "Question", "ReminderRule", "Section", "load_content",
]
