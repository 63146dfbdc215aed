"""Buttons of the privacy notice and /privasi ("d:"), each at most 64 bytes.

    d:ok / d:no       agree / decline the notice (the only buttons someone who has not agreed may press)
    d:get             download my data           d:del / d:del:y / d:del:n   delete my data: ask, confirm, keep
"""
from __future__ import annotations

from dataclasses import dataclass

from core.callbacks import CallbackData, Namespace


@dataclass(frozen=True)
class Agree(CallbackData, prefix="d:ok"):
    pass


@dataclass(frozen=True)
class Decline(CallbackData, prefix="d:no"):
    pass


@dataclass(frozen=True)
class Download(CallbackData, prefix="d:get"):
    pass


@dataclass(frozen=True)
class Delete(CallbackData, prefix="d:del"):
    pass


@dataclass(frozen=True)
class DeleteConfirm(CallbackData, prefix="d:del:y"):
    pass


@dataclass(frozen=True)
class DeleteKeep(CallbackData, prefix="d:del:n"):
    pass


PRIVACY = Namespace("d", Agree, Decline, Download, DeleteConfirm, DeleteKeep, Delete)
CONSENT_PRESSES = (Agree, Decline)
