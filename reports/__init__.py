"""Reports: spreadsheets, documents and PNG charts made from the store's data."""
