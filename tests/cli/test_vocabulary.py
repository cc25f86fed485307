"""The CLI speaks the app's vocabulary: names in listings, and every spelling accepted in --kind/--topic."""

from __future__ import annotations

import pytest

from tutor.cli import main


@pytest.mark.parametrize("kind", ["big-O", "complexity", "Big O"])
@pytest.mark.parametrize("topic", ["KV cache", "kv-cache"])
def test_list_accepts_every_spelling(kind: str, topic: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--kind", kind, "--topic", topic]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("kvc-")]
    assert rows and all(" big-O " in line and " KV cache " in line for line in rows)


def test_an_unknown_kind_is_one_line_with_the_names(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["list", "--kind", "bigoh"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "unknown kind 'bigoh'" in err and "big-O" in err and "Traceback" not in err
