"""One module per `tutor` sub-command: `HELP`, `configure(parser)`, `run(args) -> int`."""
