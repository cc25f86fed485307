"""Runs submitted code outside the app's process, in a locked-down child (see docs/sandbox.md).

`client` is the parent's side (the warm worker, one run, reading back what is safe); `worker` and
`child` run in the other processes; `layers`, `landlock`, `seccomp`, `cgroup` and `kernel` are the
isolation layers and their constants; `output` and `timing` what comes back. Used by
`tutor.grading.code`; imports nothing above it.
"""
