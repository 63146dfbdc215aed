"""sendMessage and sendLocation."""
from __future__ import annotations

from typing import Any

from emulator.errors import bad_request
from emulator.formatting import render
from emulator.methods.outgoing import Outgoing, markup_of, open_chat, reply_target, store
from emulator.methods.registry import method
from emulator.params import Params
from emulator.state import World

TEXT_LIMIT = 4096


@method("sendMessage")
def send_message(world: World, params: Params) -> dict[str, Any]:
    chat = open_chat(world, params)
    source = params.str("text")
    if not source or not source.strip():
        raise bad_request("message text is empty")
    parse_mode = params.str("parse_mode")
    text = render(source, parse_mode)
    if len(text) > TEXT_LIMIT:
        raise bad_request("message is too long")
    markup = markup_of(params)
    reply = reply_target(chat, params)
    out = Outgoing(kind="text", body={"text": text}, text=text, source=source, parse_mode=parse_mode, markup=markup)
    return store(world, chat, params, out, reply)


@method("sendLocation")
def send_location(world: World, params: Params) -> dict[str, Any]:
    chat = open_chat(world, params)
    try:
        location = {"latitude": float(params.values["latitude"]), "longitude": float(params.values["longitude"])}
    except (KeyError, TypeError, ValueError):
        raise bad_request("wrong location specified") from None
    out = Outgoing(kind="location", body={"location": location}, markup=markup_of(params))
    return store(world, chat, params, out, reply_target(chat, params))
