"""Use cases, Telegram-free: one function per use case, each one unit of work, returning plain outcomes."""
