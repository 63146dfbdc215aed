"""setMyCommands / getMyCommands / deleteMyCommands, stored per scope and language."""
from __future__ import annotations

import re
from typing import Any

from emulator.errors import bad_request
from emulator.methods.registry import method
from emulator.params import Params
from emulator.state import World

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_GLOBAL_SCOPES = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators"}

ScopeKey = tuple[Any, ...]


def scope_key(world: World, scope: Any) -> ScopeKey:
    """Return the storage key of a BotCommandScope object (None means default)."""
    if scope is None:
        return ("default",)
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    kind = scope["type"]
    if kind in _GLOBAL_SCOPES:
        return (kind,)
    if kind in ("chat", "chat_administrators"):
        return (kind, world.chat(scope.get("chat_id"), allow_blocked=True).user.id)
    if kind == "chat_member":
        return (kind, world.chat(scope.get("chat_id"), allow_blocked=True).user.id, int(scope.get("user_id", 0)))
    raise bad_request("wrong BotCommandScope type specified")


def _key(world: World, params: Params) -> tuple[ScopeKey, str]:
    return scope_key(world, params.json("scope")), params.str("language_code", "") or ""


@method("setMyCommands")
def set_my_commands(world: World, params: Params) -> bool:
    commands = params.json("commands", [])
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    parsed = []
    for item in commands:
        command = str(item.get("command", "")).lstrip("/")
        description = str(item.get("description", ""))
        if not _COMMAND.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        parsed.append((command, description))
    key = _key(world, params)
    if parsed:
        world.commands[key] = parsed
    else:
        world.commands.pop(key, None)
    return True


@method("getMyCommands")
def get_my_commands(world: World, params: Params) -> list[dict[str, str]]:
    return [{"command": c, "description": d} for c, d in world.commands.get(_key(world, params), [])]


@method("deleteMyCommands")
def delete_my_commands(world: World, params: Params) -> bool:
    world.commands.pop(_key(world, params), None)
    return True


def visible_commands(world: World, user_id: int) -> list[tuple[str, str]]:
    """Return the command list a user sees in their private chat (Telegram's scope order)."""
    language = (world.users[user_id].language_code or "") if user_id in world.users else ""
    for scope in (("chat", user_id), ("all_private_chats",), ("default",)):
        for lang in dict.fromkeys((language, "")):
            if (scope, lang) in world.commands:
                return list(world.commands[(scope, lang)])
    return []
