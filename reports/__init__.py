"""Reports as files: the /ekspor workbook, Word documents and PNG charts."""
