"""A tiny bank of readable questions (choice and numeric), with right, wrong and unreadable answers."""

BANK_YAML = """\
questions:
  - id: t-mha-heads
    kind: choice
    topic: mha
    difficulty: 1
    prompt: How many K/V heads does multi-head attention with {h} query heads have?
    params: {h: [8, 16]}
    options: ["one per query head", "one", "two"]
    answer: "one per query head"
    hints: ["Each query head has its own keys.", "MHA shares nothing."]
    explanation: In MHA every query head has its own K and V heads.
  - id: t-mqa-heads
    kind: choice
    topic: mqa
    difficulty: 2
    prompt: How many K/V heads does multi-query attention have?
    options: ["one per query head", "one", "two"]
    answer: "one"
    hints: ["Multi-QUERY, single key."]
  - id: t-mqa-params
    kind: numeric
    topic: mqa
    difficulty: 3
    prompt: K and V parameter count of MQA with d = 1024 and 8 heads?
    answer: 262144
  - id: t-gqa-groups
    kind: numeric
    topic: gqa
    difficulty: 4
    prompt: With 32 query heads and 8 K/V heads, how many query heads share one K/V head?
    answer: 4
  - id: t-kv-bytes
    kind: numeric
    topic: kv-cache
    difficulty: 5
    prompt: Bytes per token per layer of a bf16 KV cache with 8 K/V heads of size 128?
    answer: 4096
"""

# A correct, a wrong and an unreadable answer for each question.
RIGHT = {"t-mha-heads": "one per query head", "t-mqa-heads": "one", "t-mqa-params": "262144", "t-gqa-groups": "4", "t-kv-bytes": "4096"}
WRONG = {"t-mha-heads": "one", "t-mqa-heads": "two", "t-mqa-params": "2097152", "t-gqa-groups": "8", "t-kv-bytes": "2048"}
UNREADABLE = {"t-mha-heads": "zebra", "t-mqa-heads": "zebra", "t-mqa-params": "12 apples", "t-gqa-groups": "four?!", "t-kv-bytes": "((("}
