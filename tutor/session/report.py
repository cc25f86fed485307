"""A stored session as a report: Markdown for people, JSON for programs.

A written answer awaiting the learner's checklist is shown (its answer) but is no score: it is
left out of `answered`, the mean and the per-topic means, listed in `awaiting_assessment`, and
its row says "awaiting your assessment".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tutor.bank.names import kind_name, topic_name
from tutor.session.engine import SummaryRow, summarize
from tutor.session.store import SessionRecord, iso_time

if TYPE_CHECKING:
    from tutor.session.store import Store


def report_json(
    record: SessionRecord, store: "Store", prompts: dict[str, str | dict[str, str]] | None = None
) -> dict[str, Any]:
    """The session, each question's scoring answer (and any later practice answers), and the summary."""
    attempts = store.attempts(record.id)
    firsts = {a.position: a for a in store.first_attempts(record.id)}
    awaiting = {a.position: a for a in store.awaiting_attempts(record.id)}
    rows = tuple(
        SummaryRow(index=i, question_id=a.question_id, topic=a.topic, kind=a.kind, score=None if a.skipped else a.score)
        for i, a in sorted(firsts.items())
    )
    summary = summarize(rows)
    questions = []
    for position, (qid, seed) in enumerate(record.variants):
        entry: dict[str, Any] = {"position": position + 1, "id": qid, "seed": seed}
        if prompts and qid in prompts:
            texts = prompts[qid]  # the prompt, or the prompt with its explanation (and a model solution)
            entry.update({"prompt": texts} if isinstance(texts, str) else texts)
        first = firsts.get(position) or awaiting.get(position)
        entry["answer"] = first.to_json() if first else None
        entry["later_answers"] = [a.to_json() for a in attempts if a.position == position and (first is None or a.id != first.id)]
        questions.append(entry)
    return {
        "session": record.id,
        "created": iso_time(record.created),
        "finished": None if record.finished is None else iso_time(record.finished),
        "mode": record.mode,
        "seed": record.seed,
        "config": record.config,
        "answered": len(rows),
        "total": record.total,
        "mean": round(summary.mean, 3) if rows else None,
        "level": summary.level,
        "per_topic": {t: round(m, 3) for t, m in summary.per_topic.items()},
        "weakest_topic": summary.weakest_topic,
        # Written answers scored by the learner's own checklist, not by the machine (positions, 1-based).
        "self_assessed": [p + 1 for p, a in sorted(firsts.items()) if a.assessed == "self"],
        # Written answers stored but not assessed yet (positions, 1-based): in no mean until the learner's checklist.
        "awaiting_assessment": sorted(p + 1 for p in awaiting),
        "questions": questions,
    }


def _fence(text: str, lang: str = "") -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}{lang}\n{text}\n{ticks}"


def _teaching(q: dict[str, Any]) -> list[str]:
    """A model solution (code) and the explanation, after a wrong or skipped answer."""
    out = []
    if q.get("model_solution"):
        out += ["", "A model solution:", "", _fence(q["model_solution"].rstrip(), "python")]
    if q.get("explanation"):
        out += ["", "Why: " + q["explanation"].strip()]
    return out


def report_markdown(data: dict[str, Any]) -> str:
    """The JSON report written as Markdown."""
    lines = [f"# Attention Tutor session {data['session']}", ""]
    lines.append(f"- started: {data['created']}; finished: {data['finished'] or 'no'}; mode: {data['mode']}; seed: {data['seed']}")
    if data["mean"] is not None:
        lines.append(f"- answered {data['answered']} of {data['total']}; mean **{data['mean']:.1f} / 5** ({data['level']})")
        if data["per_topic"]:
            lines.append("- by topic: " + ", ".join(f"{topic_name(t)} {m:.1f}" for t, m in data["per_topic"].items()))
        assessed = data.get("self_assessed") or []
        if assessed:
            which = ", ".join(f"#{p}" for p in assessed)
            lines.append(f"- self-assessed (the learner confirmed the rubric points of a written answer): {which}")
    else:
        lines.append(f"- answered 0 of {data['total']}")
    waiting = data.get("awaiting_assessment") or []
    if waiting:
        which = ", ".join(f"#{p}" for p in waiting)
        lines.append(f"- awaiting your assessment (a written answer whose checklist is not confirmed; in no mean): {which}"
                     f" — `tutor quiz --resume {data['session']}` opens it again")
    lines += ["", "| # | question | topic | kind | score |", "| --- | --- | --- | --- | --- |"]
    for q in data["questions"]:
        a = q["answer"]
        score = "not reached" if a is None else ("skipped" if a["skipped"] else f"{a['score']} / 5")
        if a is not None and a.get("awaiting_assessment"):
            score = "awaiting your assessment"
        if a is not None and a.get("assessed") == "self":
            score += " (self-assessed)"
        topic, kind = (topic_name(a["topic"]), kind_name(a["kind"])) if a else ("", "")
        lines.append(f"| {q['position']} | `{q['id']}` | {topic} | {kind} | {score} |")
    for q in data["questions"]:
        a = q["answer"]
        lines += ["", f"## {q['position']}. `{q['id']}` (seed {q['seed']})", ""]
        if "prompt" in q:
            lines += [q["prompt"].rstrip(), ""]
        if a is None:
            lines.append("Not reached.")
            continue
        if a["skipped"]:
            lines.append("Skipped (counts as 1).")
            if a["expected"] and "model_solution" not in q:
                lines.append(f"\nExpected: `{a['expected']}`")
            lines += _teaching(q)
            continue
        lang = "python" if a["kind"] == "code" else ""
        lines += ["Answer:", "", _fence(a["answer"], lang), ""]
        if a.get("awaiting_assessment"):
            lines.append(f"**Awaiting your assessment**: the machine's reading ({a['grade_score']} / 5, provisional) is no"
                         " score; confirm the rubric points on the checklist (resume the session) to score it.")
            continue
        hint_note = f", {a['hints_used']} hint(s) used" if a["hints_used"] else ""
        who = " (self-assessed: the learner's own checklist)" if a.get("assessed") == "self" else ""
        lines.append(f"**{a['status']}**, score {a['score']} / 5{who}{hint_note}.")
        if a["interpreted"] and a["kind"] != "code":
            lines.append(f"Interpreted as: `{a['interpreted']}`.")
        for line in a["feedback"]:
            lines.append(f"- {line}")
        if a["status"] != "correct" and a["expected"] and not (a["kind"] == "code" and "model_solution" in q):
            lines.append(f"\nExpected: `{a['expected']}`")
        if a["status"] != "correct":
            lines += _teaching(q)
        if q["later_answers"]:
            later = ", ".join("awaiting your assessment" if b.get("awaiting_assessment") else f"{b['score']} / 5"
                              for b in q["later_answers"])
            lines.append(f"\nLater practice answers (not counted): {later}")
    return "\n".join(lines) + "\n"
