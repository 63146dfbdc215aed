"""parse_mode checks: what Telegram refuses and the text the user sees."""
from __future__ import annotations

import pytest

from emulator.errors import ApiError
from emulator.formatting import render


@pytest.mark.parametrize(
    ("text", "mode", "shown"),
    [
        ("<b>Halo</b>, <i>Bapak</i> &lt;3", "HTML", "Halo, Bapak <3"),
        ('<a href="https://t.me/x">tautan</a>', "HTML", "tautan"),
        (r"*Tebal* _miring_ 1\.5 \(ok\)", "MarkdownV2", "Tebal miring 1.5 (ok)"),
        ("[situs](https://example.org) `kode.`", "MarkdownV2", "situs kode."),
        ("*tebal* _miring_", "Markdown", "tebal miring"),
        ("apa adanya <b>", None, "apa adanya <b>"),
    ],
)
def test_visible_text(text: str, mode: str | None, shown: str) -> None:
    assert render(text, mode) == shown


@pytest.mark.parametrize(
    ("text", "mode", "reason"),
    [
        ("<b>tidak ditutup", "HTML", 'end tag corresponding to start tag "b"'),
        ("<blink>x</blink>", "HTML", 'Unsupported start tag "blink"'),
        ("<b><i>x</b></i>", "HTML", "Unmatched end tag"),
        ("Selesai.", "MarkdownV2", "Character '.' is reserved"),
        ("*tebal", "MarkdownV2", "Can't find end of bold entity"),
        ("_miring", "Markdown", "Can't find end of the entity"),
    ],
)
def test_refused_markup(text: str, mode: str, reason: str) -> None:
    with pytest.raises(ApiError) as refused:
        render(text, mode)
    assert refused.value.code == 400
    assert refused.value.description.startswith("Bad Request: can't parse entities: ")
    assert reason in refused.value.description
