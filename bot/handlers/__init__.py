"""Thin handlers: translate an update into one call on services/ and render the result."""
