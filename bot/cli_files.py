"""Read a file named on the command line, or say in one line why it cannot be read."""
from __future__ import annotations

import sys
from pathlib import Path

from core.content import Content


def read_input(content: Content, path: Path) -> bytes | None:
    """The file's bytes, or None after printing the reason to standard error."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        key, reason = "cli.file_missing", ""
    except IsADirectoryError:
        key, reason = "cli.file_is_folder", ""
    except PermissionError:
        key, reason = "cli.file_no_permission", ""
    except OSError as exc:
        key, reason = "cli.file_unreadable", exc.strerror or type(exc).__name__
    print(content.text(key, berkas=path, alasan=reason), file=sys.stderr)
    return None
