"""One thin module per `tutor` sub-command: `configure(parser)` and `run(args) -> int`, argument parsing only.

The work is done below: the app in `tutor.tui`, the line-based quiz and exam answering in
`tutor.plain`, sessions in `tutor.session`, exams and batch grading in `tutor.exam`, the bank's
self-check in `tutor.grading.selfcheck`. A mistake in the arguments is a `tutor.errors.UserError`.
"""
