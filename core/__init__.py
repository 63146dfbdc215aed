"""Shared foundations: settings, content model, UI texts, clock."""
