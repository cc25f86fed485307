# question: code.gqa-decode
# verdict: incorrect
# needs: reference_hidden
# Tries to import the reference implementation, or read it from the project directory.
import glob
import importlib


def _steal():
    try:
        return importlib.import_module("reference_impl.functional").gqa_decode
    except Exception:
        pass
    for path in glob.glob("/**/reference_impl/functional.py", recursive=False) + glob.glob("/work/*/reference_impl/functional.py"):
        try:
            namespace = {}
            exec(open(path).read(), namespace)
            return namespace["gqa_decode"]
        except Exception:
            pass
    return None


STOLEN = _steal()


def gqa_decode(q, k_cache, v_cache):
    if STOLEN is None:
        raise RuntimeError("the reference is out of reach")
    return STOLEN(q, k_cache, v_cache)
