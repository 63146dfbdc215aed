"""Telegram glue: application wiring, handlers, rendering, CLI."""
