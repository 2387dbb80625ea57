"""Pure functions that return component trees; ids.py holds every component id and the meta-analytics names."""
