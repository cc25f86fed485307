"""The learner's session engine (`engine`), the history store (`store`), FSRS review scheduling (`review`),
progress figures (`stats`), session reports (`report`) and levels; never imports textual.

The instructor workflow (exams, batch grading) is the `tutor.exam` package beside this one."""
