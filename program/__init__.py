"""The program calendar: dated items, events, PI/Lokakarya/PMO dates, calendar import, working days and holidays."""
