"""Sending media (upload or file_id), albums, and getFile."""
from __future__ import annotations

import secrets
from typing import Any

from emulator.errors import bad_request
from emulator.files import StoredFile
from emulator.formatting import render
from emulator.media import media_object
from emulator.methods.outgoing import CAPTION_LIMIT, Outgoing, markup_of, open_chat, reply_target, store
from emulator.methods.registry import method
from emulator.params import Params, Upload
from emulator.state import World

_ALBUM_KINDS = {"photo", "video", "document", "audio"}


def resolve_file(world: World, params: Params, value: Any, kind: str, field: str) -> StoredFile:
    """Return the file named by an upload, an attach:// reference or a file_id."""
    if isinstance(value, Upload):
        upload = value
    elif isinstance(value, str) and value.startswith("attach://"):
        upload = params.upload(value.removeprefix("attach://"))
        if upload is None:
            raise bad_request(f"wrong HTTP URL specified: file {value} not found in the request")
    elif value:
        stored = world.files.get(str(value))
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored
    else:
        raise bad_request(f"there is no {field} in the request")
    return world.files.add(kind, upload.content, upload.filename, upload.content_type)


def _caption(params: Params | dict[str, Any], parse_mode: str | None) -> tuple[str | None, str | None]:
    source = params.get("caption") if isinstance(params, dict) else params.str("caption")
    if not source:
        return None, None
    caption = render(source, parse_mode)
    if len(caption) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    return caption, source


def _outgoing(world: World, stored: StoredFile, kind: str, caption: str | None, source: str | None,
              parse_mode: str | None, extra: dict[str, Any]) -> Outgoing:
    body: dict[str, Any] = {kind: media_object(world, stored, kind, **extra)}
    if caption:
        body["caption"] = caption
    return Outgoing(
        kind=kind, body=body, text=caption, source=source, parse_mode=parse_mode, file_id=stored.file_id,
        filename=stored.file_name if kind != "photo" else None, content=stored.content,
    )


def _send_media(kind: str):
    def handler(world: World, params: Params) -> dict[str, Any]:
        chat = open_chat(world, params)
        parse_mode = params.str("parse_mode")
        caption, source = _caption(params, parse_mode)
        markup = markup_of(params)
        reply = reply_target(chat, params)
        stored = resolve_file(world, params, params.values.get(kind), kind, kind)
        extra = {key: params.values.get(key) for key in ("duration", "width", "height", "title", "performer")}
        extra = {key: int(v) if key in ("duration", "width", "height") else v for key, v in extra.items() if v}
        out = _outgoing(world, stored, kind, caption, source, parse_mode, extra)
        out.markup = markup
        return store(world, chat, params, out, reply)

    return handler


for _kind in ("photo", "document", "voice", "video", "audio"):
    method(f"send{_kind.capitalize()}")(_send_media(_kind))


@method("sendMediaGroup")
def send_media_group(world: World, params: Params) -> list[dict[str, Any]]:
    chat = open_chat(world, params)
    media = params.json("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("wrong number of media specified; must be between 2 and 10")
    reply = reply_target(chat, params)
    group_id = str(secrets.randbits(60))
    outs = []
    for item in media:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in _ALBUM_KINDS:
            raise bad_request("wrong media type specified")
        parse_mode = item.get("parse_mode")
        caption, source = _caption(item, parse_mode)
        stored = resolve_file(world, params, item.get("media"), kind, "media")
        out = _outgoing(world, stored, kind, caption, source, parse_mode, {})
        out.media_group_id = group_id
        outs.append(out)
    return [store(world, chat, params, out, reply) for out in outs]


@method("getFile")
def get_file(world: World, params: Params) -> dict[str, Any]:
    stored = world.files.get(params.required_str("file_id"))
    if stored is None:
        raise bad_request("invalid file_id")
    return {**stored.json(), "file_path": stored.file_path}
