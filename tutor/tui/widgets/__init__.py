"""Widgets: an answer widget per question kind."""
