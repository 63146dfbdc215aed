"""Thin handlers: translate an update into a call on flows/ or scheduler/ and render the result."""
