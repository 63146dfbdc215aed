"""Buttons of the flow engine ("f:") and of the answers view ("r:"), each at most 64 bytes (core/callbacks.py).

    f:s:<flow>             open a flow from the menu (self flows) or its mentee picker
    f:m:<flow>:<mentee>    open a flow about one mentee
    f:r:<run>:<qid>:<act>  act on a question of a run; qid "~" is the review
    r:m:<person>           all answers of a person (the summary's last button, /ringkasan's list)
Run and mentee ids are base 36 to stay under Telegram's limit with 48-character question ids.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.callbacks import B36, CallbackData, Namespace

REVIEW_QUESTION = "~"  # the question id of the review


@dataclass(frozen=True)
class OpenFlow(CallbackData, prefix="f:s"):
    flow_id: str


@dataclass(frozen=True)
class OpenForMentee(CallbackData, prefix="f:m"):
    flow_id: str
    mentee_id: B36


@dataclass(frozen=True)
class RunAction(CallbackData, prefix="f:r"):
    run_id: B36
    question_id: str
    action: str


FlowPress = OpenFlow | OpenForMentee | RunAction
FLOWS = Namespace("f", OpenFlow, OpenForMentee, RunAction)


@dataclass(frozen=True)
class MenteeAnswers(CallbackData, prefix="r:m"):
    person_id: int


ANSWERS = Namespace("r", MenteeAnswers)
