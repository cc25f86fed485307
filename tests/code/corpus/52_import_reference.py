# question: code.repeat-kv
# verdict: incorrect
# feedback: ModuleNotFoundError
# needs: reference_hidden
# Takes the reference itself instead of writing the function.
from reference_impl.exercises import repeat_kv  # noqa: F401
