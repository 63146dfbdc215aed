"""Build the Bot API objects for photos, documents, voice notes, videos, audio and stickers."""
from __future__ import annotations

from typing import Any

from emulator.files import StoredFile
from emulator.state import World

MEDIA_KINDS = ("photo", "document", "voice", "video", "audio", "sticker")


def media_object(world: World, stored: StoredFile, kind: str, **extra: Any) -> Any:
    """Return the value stored under message[kind] for a file."""
    if kind == "photo":
        return photo_sizes(world, stored)
    data = stored.json()
    if kind in ("document", "video", "audio") and stored.file_name:
        data["file_name"] = stored.file_name
    data["mime_type"] = stored.mime_type
    if kind in ("voice", "video", "audio"):
        data["duration"] = extra.get("duration") or 1
    if kind == "video":
        data.update(width=extra.get("width") or 640, height=extra.get("height") or 360)
    if kind == "audio":
        data.update({key: extra[key] for key in ("title", "performer") if extra.get(key)})
    if kind == "sticker":
        del data["mime_type"]
        data.update(type="regular", width=512, height=512, is_animated=False, is_video=False,
                    emoji=extra.get("emoji") or "👍")
    return data


def photo_sizes(world: World, stored: StoredFile) -> list[dict[str, Any]]:
    """Return a photo's PhotoSize list (thumbnail first, like Telegram), reused per file."""
    sizes = world.photo_sizes.get(stored.file_id)
    if sizes is None:
        thumb = world.files.add("photo", stored.content, mime_type=stored.mime_type)
        sizes = [{**thumb.json(), "width": 90, "height": 90}, {**stored.json(), "width": 1280, "height": 720}]
        world.photo_sizes[stored.file_id] = world.photo_sizes[thumb.file_id] = sizes
    return sizes
