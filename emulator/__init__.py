"""A local Telegram Bot API emulator for end-to-end tests, benchmarks and the demo."""
from emulator.emulator import BotApiEmulator, NoMessage
from emulator.limits import FloodStats
from emulator.records import AnsweredCallback, SentMessage
from emulator.state import GroupInfo, UserInfo

__all__ = ["AnsweredCallback", "BotApiEmulator", "FloodStats", "GroupInfo", "NoMessage", "SentMessage", "UserInfo"]
