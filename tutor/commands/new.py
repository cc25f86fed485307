"""`tutor new KIND`: print a commented YAML bank file with one question of that kind, to start from.

Every template is a complete, valid bank file: `tutor new numeric > my.yaml && tutor validate my.yaml`
passes before a single line is changed (a test checks this for every kind).
"""

from __future__ import annotations

import argparse
import re
import sys

from tutor.errors import UserError

_COMMON_HEAD = """\
# A question-bank file: `questions:` is a list; `defaults:` (optional) is merged into each question.
# Check it with `tutor validate {file}` and try it with `tutor quiz --plain --question {id} --bank {file}`.
# Full format: docs/question-format.md; a walk-through: docs/authoring.md.
questions:
  # `id` must be unique over everything loaded (built-in bank included): [a-z0-9][a-z0-9._-]*
  - id: {id}
"""

_COMMON_TAIL = """\
    hints:                   # shown one at a time, on request
      - "{hint}"
    explanation: |           # Markdown, shown after grading
{explanation}
    # where the question comes from: a seed document, paper or model card
    source: "{source}"
"""

# kind -> (one-line description, the part of the question between the common head and tail)
TEMPLATES: dict[str, tuple[str, str]] = {
    "shape": (
        "a tensor shape, e.g. [b, h, n, k]; `where` declares equalities such as k = d/h",
        """\
    kind: shape
    topic: mha               # mha | mqa | gqa | kv-cache | attention
    difficulty: 2            # 1 (warm-up) .. 5 (hard)
    prompt: |                # Markdown; math in $...$; write a literal brace as {{{{ or }}}}
      $Q$ is $[b, n, d]$. After `q.view(b, n, h, k).transpose(1, 2)` with $k = d/h$,
      what is the shape of $q$?
    answer: [b, h, n, k]     # dimensions in order: names, integers or expressions
    where: {{k: d/h}}          # so that [b, h, n, d/h] is accepted too
    feedback:                # targeted replies to known wrong answers (matched like the grader)
      - answer: [b, n, h, k]
        message: "That is before the transpose; transpose(1, 2) swaps n and h."
    examples:                # `tutor validate` grades these: accept must score 5, reject must not
      accept: ["[b, h, n, k]", "(b, h, n, d/h)", "b×h×n×k"]
      reject: ["[b, n, h, k]"]
""",
        "`transpose(1, 2)` swaps the second and third axes.",
        "The view gives $[b, n, h, k]$; the transpose moves the heads in front of the positions.",
    ),
    "einsum": (
        "an einsum equation over named operands (a bare equation or a whole torch.einsum call)",
        """\
    kind: einsum
    topic: mha
    difficulty: 2
    prompt: |
      $Q$ is $[b, h, n, k]$ and $K$ is $[b, h, m, k]$. Write the einsum for the scores
      $[b, h, n, m]$.
    operands:                # operand name -> its dimension names, in call order
      Q: [b, h, n, k]
      K: [b, h, m, k]
    answer: "bhnk,bhmk->bhnm"
    feedback:
      - answer: "bhnk,bhmk->bhmn"
        message: "Queries (n) come before keys (m), so the softmax runs over the last axis."
    examples:
      accept: ["bhnk,bhmk->bhnm", "torch.einsum('bhqd,bhkd->bhqk', Q, K)"]
      reject: ["bhnk,bhmk->bhmn"]
""",
        "Contract the head size $k$; carry batch and heads through.",
        "`torch.einsum('bhnk,bhmk->bhnm', Q, K)` is `Q @ K.transpose(-2, -1)`.",
    ),
    "numeric": (
        "a number, or an expression over `params` drawn per variant; optional unit and tolerance",
        """\
    kind: numeric
    topic: kv-cache
    difficulty: 2
    unit: bytes              # bytes | params | flops: enables suffixes such as 128 KiB, 2.1M
    params:                  # name -> number, or a list: each variant draws one value per list
      L: [24, 32, 80]
      G: [1, 8]
      D: 128
      e: 2
    prompt: |
      A model has $L = {{L}}$ layers and $G = {{G}}$ KV heads of size $D = {{D}}$, cached in
      16-bit. How many bytes does one token add to the KV cache?
    answer: 2*L*G*D*e        # a number or an expression over params; integer answers are exact
    # tolerance: {{rel: 0.01}} # for a non-integer answer (default rel 0.001)
    feedback:
      - answer: L*G*D*e
        message: "You forgot the ×2: keys and values are both cached."
    examples:
      accept: ["2*{{L}}*{{G}}*{{D}}*{{e}}"]   # {{name}} in an example is filled in per variant
      reject: ["1"]
""",
        "Each layer stores one key and one value per KV head.",
        "$2 \\cdot L \\cdot G \\cdot D \\cdot e$ bytes per token.",
    ),
    "symbolic": (
        "a formula over declared (positive) symbols, graded by exact equivalence",
        """\
    kind: symbolic
    topic: gqa
    difficulty: 3
    prompt: |
      A GQA layer has width $d$, $H$ query heads of size $d/H$ and $G$ KV heads. How many
      weights do its key and value projections hold (no biases)?
    symbols: [d, H, G, d_h]  # the symbols a learner may use; multi-letter names are fine
    where: {{d_h: d/H}}        # substituted before comparing
    answer: 2*G*d*d/H
    feedback:
      - answer: 2*d*d/G
        message: "This shrinks as G grows, backwards: each of the G heads is a d × (d/H) matrix."
    examples:
      accept: ["2 G d d_h", "2Gd^2/H"]
      reject: ["2d^2/G"]
""",
        "There are G key heads and G value heads, each d × d/H.",
        "$2 \\cdot G \\cdot d \\cdot d/H$: $2d^2$ for MHA ($G = H$), $2d^2/H$ for MQA.",
    ),
    "complexity": (
        "a big-O answer: constant factors and dominated terms are dropped before comparing",
        """\
    kind: complexity
    topic: kv-cache
    difficulty: 2
    prompt: |
      How much memory does one MQA layer's KV cache take for batch $B$, $S$ cached positions,
      width $d$ and $H$ query heads of size $d/H$?
    symbols: [B, S, d, H]
    answer: "O(B*S*d/H)"
    feedback:
      - answer: "O(B*S*d)"
        message: "That is the multi-head cache; MQA caches a single head of size d/H."
    examples:
      accept: ["O(B S d/H)", "BSd/H"]
      reject: ["O(B S d)"]
""",
        "Keys and values are cached for one head only.",
        "$2 \\cdot B \\cdot S \\cdot d/H$ elements: $H$ times less than MHA.",
    ),
    "choice": (
        "pick one option (or several: answer is then a list); options are shuffled per variant",
        """\
    kind: choice
    topic: gqa
    difficulty: 2
    prompt: Which of these models use grouped-query attention with 8 KV heads?
    options:
      - Llama-3-8B
      - Mistral-7B
      - Llama-2-7B
      - Falcon-7B
    answer: [Llama-3-8B, Mistral-7B]   # one option's text, or a list of them
    # shuffle: false                   # keep the options in this order
    examples:
      accept: ["Llama-3-8B, Mistral-7B"]
      reject: ["Falcon-7B"]
""",
        "One of the others is plain MHA and one is MQA.",
        "Llama-3-8B and Mistral-7B have 8 KV heads; Llama-2-7B is MHA and Falcon-7B is MQA.",
    ),
    "text": (
        "a free-text answer scored by a rubric of points, each matched by regular expressions",
        """\
    kind: text
    topic: mqa
    difficulty: 3
    prompt: |
      Does multi-query attention speed up training as much as decoding? Why?
    rubric:                  # each point is earned when any of its regexes matches (case-insensitive)
      - point: Training is compute-bound and MQA does not reduce the attention FLOPs.
        match: ['compute[- ]bound', 'flops']
      - point: Decoding is memory-bandwidth-bound and MQA's cache is H times smaller.
        match: ['bandwidth', 'cache.{{0,40}}smaller']
        weight: 2            # optional, default 1
    # The patterns only suggest: the learner confirms each point (the score is theirs), and
    # `tutor check`/`tutor grade` say needs_review. Wrong beliefs an answer may state are warned about:
    contradictions:
      - statement: MQA speeds up training as much as decoding.
        match: ['(speeds? up|faster).{{0,30}}training.{{0,30}}(as much|just as)', 'training.{{0,40}}just as (much|fast)']
        why: A training step is compute-bound; sharing K/V heads barely changes its FLOPs.
    answer: |                # a model answer, shown after grading; it must earn every point
      No: training is compute-bound and MQA does not reduce the attention FLOPs. Decoding is
      memory-bandwidth-bound, and MQA's KV cache is H times smaller, so each step reads less.
    examples:
      accept: ["Training is compute-bound (same FLOPs); decoding is bandwidth-bound and reads a cache H times smaller."]
      reject: ["Yes, it is faster everywhere."]
""",
        "Which resource limits a training step, and which a decoding step?",
        "Training hardly changes; decoding reads $H$ times fewer cache bytes per step.",
    ),
    "code": (
        "write a function; it runs in a sandbox on generated inputs and is compared with a reference",
        """\
    kind: code
    topic: gqa
    difficulty: 3
    prompt: |
      Write `decode_step(q, k_cache, v_cache)`: one GQA decoding step. `q` is `[b, h, k]`, the
      caches are `[b, g, n, k]`; query head `i` reads KV head `i // (h // g)`. Scale by
      `1/sqrt(k)`, no mask. Return `[b, h, k]` in the dtype of `q`.
    entry: decode_step                             # the function the learner defines
    reference: reference_impl.functional:gqa_decode  # module:function computing the expected output
    starter: |
      import math
      import torch


      def decode_step(q, k_cache, v_cache):
          raise NotImplementedError
    args:                    # tensors get random normal values of these shapes, per case
      - {{name: q, shape: [b, h, k]}}
      - {{name: k_cache, shape: [b, g, n, k]}}
      - {{name: v_cache, shape: [b, g, n, k]}}
    length: n                # the sequence length: also redrawn in one extra case at grading time
    cases:                   # for each head layout (g = 1, 1 < g < h, g = h): n = 1, 2-4, 5-15 and >= 16
      - {{label: "h=4 g=2", b: 2, h: 4, g: 2, n: 5, k: 8}}
      - {{label: "h=4 g=2, one position", b: 2, h: 4, g: 2, n: 1, k: 8}}
      - {{label: "h=4 g=2, short", b: 1, h: 4, g: 2, n: 3, k: 8}}
      - {{label: "h=4 g=2, long", b: 1, h: 4, g: 2, n: 16, k: 8}}
      - {{label: "MQA", b: 1, h: 4, g: 1, n: 6, k: 8}}
      - {{label: "MQA, one position", b: 1, h: 4, g: 1, n: 1, k: 8}}
      - {{label: "MQA, short", b: 1, h: 4, g: 1, n: 2, k: 8}}
      - {{label: "MQA, long", b: 1, h: 4, g: 1, n: 17, k: 8}}
      - {{label: "MHA", b: 2, h: 2, g: 2, n: 7, k: 4}}
      - {{label: "MHA, one position", b: 2, h: 2, g: 2, n: 1, k: 4}}
      - {{label: "MHA, short", b: 2, h: 2, g: 2, n: 4, k: 4}}
      - {{label: "MHA, the longest", b: 1, h: 2, g: 2, n: 20, k: 4}}
    answer: |                # a model solution: it must pass every case
      import math
      import torch


      def decode_step(q, k_cache, v_cache):
          b, h, k = q.shape
          g = k_cache.shape[1]
          qg = q.reshape(b, g, h // g, k)                                  # [b, g, r, k]
          scores = torch.einsum("bgrk,bgnk->bgrn", qg, k_cache) / math.sqrt(k)
          out = torch.einsum("bgrn,bgnk->bgrk", scores.softmax(-1), v_cache)
          return out.reshape(b, h, k)
    mutants:                 # known-wrong versions the cases must reject
      - name: no-scale
        diagnosis: the scores were not divided by sqrt(k).
        code: |
          import torch


          def decode_step(q, k_cache, v_cache):
              b, h, k = q.shape
              g = k_cache.shape[1]
              qg = q.reshape(b, g, h // g, k)
              scores = torch.einsum("bgrk,bgnk->bgrn", qg, k_cache)
              out = torch.einsum("bgrn,bgnk->bgrk", scores.softmax(-1), v_cache)
              return out.reshape(b, h, k)
""",
        "Reshape the queries to `[b, g, h/g, k]` so each group meets its own KV head.",
        "Grouping the queries lets every KV head be read once for all of its $h/g$ query heads.",
    ),
    "statements": (
        "claims to mark true or false, answered as a T/F string such as TFFT (4-6 claims, both kinds)",
        """\
    kind: statements
    topic: mqa
    difficulty: 2
    prompt: Mark each statement about multi-query attention (MQA) true (T) or false (F).
    statements:              # 4 to 6 claims, at least one true and one false; shown in this order
      - text: MQA keeps one key head and one value head, shared by every query head.
        true: true
        why: That is the definition; the query heads stay separate.
      - text: MQA shares one query across all heads.
        true: false
        why: The queries stay per head; only the keys and values are shared.
      - text: MQA makes the KV cache H times smaller than MHA's.
        true: true
        why: One K/V head is cached instead of H.
      - text: MQA speeds up training as much as decoding.
        true: false
        why: Training is compute-bound; MQA barely changes its FLOPs.
    # the answer is derived from `true:` (here TFTF); learners may type `T F T F` or `t,f,t,f` too
    examples:
      accept: ["T F T F"]
      reject: ["TTTT"]
""",
        "Which tensors does MQA share: the queries, or the keys and values?",
        "MQA shares K and V, never Q, and its gain is at decoding time, where reading the cache is the cost.",
    ),
    "multi": (
        "select all that apply; answer lists every right option; wrong picks cancel right ones",
        """\
    kind: multi
    topic: gqa
    difficulty: 2
    prompt: With grouped-query attention (G KV heads, G < H), which of these are smaller than in MHA?
    options:                 # distinct; shuffled per variant unless `shuffle: false`
      - The key projection matrix
      - The value projection matrix
      - The KV cache
      - The query projection matrix
      - The output projection matrix
      - The number of attention-score FLOPs
    answer:                  # every right option's text (at least one, not all)
      - The key projection matrix
      - The value projection matrix
      - The KV cache
    examples:
      accept: ["The key projection matrix, The value projection matrix, The KV cache"]
      reject: ["The KV cache"]
""",
        "Only what belongs to the keys and values is shared.",
        "$W_K$, $W_V$ and the cache shrink by $H/G$; $W_Q$ and $W_O$ keep their MHA size.",
    ),
}

KINDS = tuple(TEMPLATES)


def template(kind: str, question_id: str | None = None, file: str = "my.yaml") -> str:
    """The commented YAML bank file for one new question of `kind`."""
    if kind not in TEMPLATES:
        raise KeyError(kind)
    _, body, hint, explanation = TEMPLATES[kind]
    qid = question_id or f"my-{kind}-question"
    head = _COMMON_HEAD.format(file=file, id=qid)
    indented = "\n".join(f"      {line}" for line in explanation.splitlines())
    tail = _COMMON_TAIL.format(hint=hint, explanation=indented, source="your source: a paper, model card or notes")
    return head + body.format() + tail


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", nargs="?", metavar="KIND", help=f"one of: {', '.join(KINDS)}")
    parser.add_argument("--list", action="store_true", help="list the kinds with a one-line description")
    parser.add_argument("--id", dest="question_id", metavar="ID", help="the new question's id (default my-KIND-question)")


def run(args: argparse.Namespace) -> int:
    if args.list:
        width = max(len(k) for k in KINDS)
        for kind, (description, *_rest) in TEMPLATES.items():
            print(f"{kind:<{width}}  {description}")
        return 0
    if not args.kind:
        raise UserError(f"name a kind: tutor new KIND (one of {', '.join(KINDS)}; tutor new --list)")
    kind = args.kind.strip().lower()
    if kind not in TEMPLATES:
        from tutor.bank.errors import did_you_mean  # deferred: only a misspelt kind needs it

        raise UserError(f"unknown kind {args.kind!r}{did_you_mean(kind, KINDS)}; kinds: {', '.join(KINDS)}")
    if args.question_id is not None and not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", args.question_id):
        raise UserError(f"--id {args.question_id!r}: use lower-case letters, digits, '.', '_' and '-'")
    sys.stdout.write(template(kind, args.question_id))
    return 0
