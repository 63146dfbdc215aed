"""Reports as files: the /ekspor workbook (and, later, documents and charts)."""
