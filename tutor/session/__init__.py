"""The session engine, history store, FSRS review and instructor tools; never imports textual."""
