"""Documents made from answers: the PP's jurnal and session guide (Word, LMS text, chat)."""
