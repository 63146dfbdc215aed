"""Roster files: columns, parsing, validation, import, report wording, handouts, invite codes."""
