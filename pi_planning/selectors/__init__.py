"""Reads of PI planning shared by pages, API, exports and tasks."""
