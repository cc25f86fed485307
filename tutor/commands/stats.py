"""`tutor stats`: mean score by topic and kind, the trend over sessions, weakest areas, reviews due."""

from __future__ import annotations

import argparse
import json

from tutor.commands._store import add_data_dir_option, no_history_at, open_store_or_exit, say_no_history


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    add_data_dir_option(parser)


def _bar(mean: float, width: int = 20) -> str:
    filled = round((mean - 1) / 4 * width)
    return "█" * filled + "·" * (width - filled)


def run(args: argparse.Namespace) -> int:
    from tutor.bank.names import flag_value, kind_name, topic_name
    from tutor.session.levels import level_name
    from tutor.session.stats import compute

    if (where := no_history_at(args)) is not None:
        return say_no_history(where, getattr(args, "json", False))
    store = open_store_or_exit(args)
    try:
        stats = compute(store)
    finally:
        store.close()
    if args.json:
        print(json.dumps(stats.to_json(), indent=2, ensure_ascii=False))
        return 0
    waiting = (f"{stats.awaiting} written answer(s) await your assessment (not in any mean): "
               "tutor quiz --resume opens the checklist again") if stats.awaiting else ""
    if stats.answers == 0:
        print(waiting or "No answers recorded yet. Start with: tutor quiz --plain")
        return 0
    assert stats.mean is not None
    print(f"{stats.answers} questions answered in {stats.sessions} sessions; mean {stats.mean:.1f} / 5 ({level_name(stats.mean)})")
    for title, areas, namer in (("By topic", stats.by_topic, topic_name), ("By kind", stats.by_kind, kind_name)):
        print(f"\n{title}")
        for a in areas:
            print(f"  {namer(a.name):<11} {_bar(a.mean)} {a.mean:.1f} / 5  ({a.count})")
    print(f"\nTrend (mean per session, last {len(stats.trend)}, 1 ▁ … █ 5): {stats.sparkline}")
    if stats.weakest:
        print("\nWeakest areas")
        for a in stats.weakest:
            flag = "--topic" if a.area == "topic" else "--kind"
            name = topic_name(a.name) if a.area == "topic" else kind_name(a.name)
            print(f"  {a.area} {name}: {a.mean:.1f} / 5  ->  tutor quiz {flag} {flag_value(name)}")
    print(f"\nDue for review: {stats.due}" + ("  ->  tutor quiz --review" if stats.due else ""))
    if waiting:
        print(waiting)
    # App users practise from the start screen; the same commands work line by line with --plain.
    print("\nIn the app (tutor): r reviews what is due, f3 shows this progress and starts its suggestions;")
    print("line by line: add --plain to any of the commands above.")
    return 0
