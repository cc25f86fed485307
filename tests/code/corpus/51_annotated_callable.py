# question: code.repeat-kv
# verdict: correct
# A correct answer bound by an annotated assignment to an instance with __call__: once reported
# as invalid.
from typing import Callable


class _Repeat:
    def __call__(self, kv, num_heads):
        return kv.repeat_interleave(num_heads // kv.shape[1], dim=1)


repeat_kv: Callable = _Repeat()
