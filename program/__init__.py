"""The program calendar: dated items, Lokakarya and PI dates, PMO months, holidays."""
