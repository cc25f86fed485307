"""The app's screens: start, question, feedback, summary, stats and a yes/no confirm."""
