"""Stored files: ids, paths for getFile and the bytes behind /file/bot<token>/<path>."""
from __future__ import annotations

import itertools
import mimetypes
import secrets
from dataclasses import dataclass
from typing import Any

_FOLDERS = {
    "photo": "photos", "document": "documents", "voice": "voice", "video": "videos",
    "audio": "music", "sticker": "stickers", "thumbnail": "thumbnails",
}
_DEFAULT_EXTENSIONS = {"photo": ".jpg", "voice": ".oga", "video": ".mp4", "audio": ".mp3", "sticker": ".webp"}


@dataclass
class StoredFile:
    """One file Telegram keeps, with its public ids."""

    file_id: str
    file_unique_id: str
    file_path: str
    kind: str
    content: bytes
    file_name: str | None
    mime_type: str

    def json(self) -> dict[str, Any]:
        """Return the fields every Telegram file object carries."""
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": len(self.content)}


class FileStore:
    """Files uploaded by the bot or sent by users, by id and by path."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def add(self, kind: str, content: bytes, file_name: str | None = None, mime_type: str | None = None) -> StoredFile:
        """Store bytes and return the new file."""
        number = next(self._counter)
        extension = _extension(file_name, mime_type) or _DEFAULT_EXTENSIONS.get(kind, "")
        stored = StoredFile(
            file_id=f"{kind[:2].upper()}AC{number:06d}{secrets.token_urlsafe(18)}",
            file_unique_id=f"AQAD{number:06d}{secrets.token_urlsafe(4)}",
            file_path=f"{_FOLDERS.get(kind, 'documents')}/file_{number}{extension}",
            kind=kind,
            content=content,
            file_name=file_name,
            mime_type=mime_type or _guess(file_name, kind),
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)


def _extension(file_name: str | None, mime_type: str | None) -> str:
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[1]
    if mime_type:
        return mimetypes.guess_extension(mime_type) or ""
    return ""


def _guess(file_name: str | None, kind: str) -> str:
    guessed = mimetypes.guess_type(file_name or "")[0]
    if guessed:
        return guessed
    return {"photo": "image/jpeg", "voice": "audio/ogg", "video": "video/mp4", "audio": "audio/mpeg",
            "sticker": "image/webp"}.get(kind, "application/octet-stream")
