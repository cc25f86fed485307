"""The instructor workflow: exam papers (`paper`: one deterministic variant set per student, the
exam and submission files) and batch grading of submissions into a gradebook (`batch`).

Sits beside `tutor.session` (above `tutor.grading` and `tutor.bank`, below the front ends); never
imports textual. The commands are `tutor exam make`, `tutor quiz --exam` (in `tutor.plain`) and
`tutor grade`.
"""
