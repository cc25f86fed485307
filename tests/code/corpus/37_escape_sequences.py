# question: code.repeat-kv
# verdict: correct
# feedback: Your code printed:
# feedback: still here
# Terminal control sequences in the output: clear screen, set title, hyperlink, 8-bit CSI, bell.
import sys


def repeat_kv(kv, num_heads):
    print("\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b]8;;http://example.com\x1b\\click\x1b]8;;\x1b\\\x9b31m\x07still here")
    sys.stderr.write("\x1b[31mred on stderr\x1b[0m\n")
    return kv.repeat_interleave(num_heads // kv.shape[1], dim=1)
