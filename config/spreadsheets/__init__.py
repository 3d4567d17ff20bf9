"""The spreadsheet import pipeline every import of the product goes through, and its exports."""
