"""Calendar, reminder rules → outbox, stop conditions, digest, /jadwal; and the outbox sender."""
