"""How math and numbers are written, in one place: the tables, patterns and printers every layer shares.

The package sits below `bank` (it imports nothing else from `tutor`), so the bank, the graders
and the front ends all read and write notation the same way:

- `scripts`: the unicode superscript / subscript tables (`d²`, `d_h` -> `dₕ`) in both directions;
- `spans`: the patterns for `$math$` / code spans in Markdown and `{param}` placeholders;
- `numbers`: numbers as text (a param in a prompt, an exact value with thousands separators);
- `latex`: **LaTeX in prompts -> unicode** for a terminal (`\\frac{d}{h}` -> `d/h`), used by the front ends;
- `sympy_text`: **sympy expressions -> readable text** (`2·G·d²/H`), used by the graders.

Importing the package is cheap: `latex` loads pylatexenc and `sympy_text` loads sympy only when
they are imported themselves.
"""

# The functions typed math may call (`sqrt(d)`, `log2 n`): the parser's vocabulary, and words the
# shape grader never takes for a dimension. Here, not in `tutor.grading.parse`, so that reading
# them needs no sympy.
FUNCTIONS: tuple[str, ...] = ("sqrt", "log", "ln", "log2", "log10", "min", "max")
