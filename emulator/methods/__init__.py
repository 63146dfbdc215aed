"""Bot API methods; importing the modules fills the method table."""
from emulator.methods import bot, commands, editing, files, sending  # noqa: F401  (registration)
from emulator.methods.registry import METHODS

__all__ = ["METHODS"]
