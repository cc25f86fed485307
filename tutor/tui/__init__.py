"""The Textual app: screens and widgets over the session engine (`tutor.session`).

Importing this package is cheap; Textual itself is imported by `run_app`, so the
plain quiz and the other commands never load it. `app` alone navigates: `screens/` post messages
(or `dismiss` a result) and never call the app; `widgets/` read answers through the session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutor.explore import Settings
    from tutor.session.engine import SessionConfig
    from tutor.session.store import Store


def run_app(
    config: "SessionConfig | None",
    *,
    store: "Store | None" = None,
    resume: str | None = None,
    explore: "Settings | None" = None,
) -> int:
    """Run the app: `config` None opens the start screen; `resume` continues a stored session by id;
    `explore` opens the KV-cache explorer over the start screen."""
    from tutor.tui.app import run  # deferred: textual loads only when the app runs

    return run(config, store=store, resume=resume, explore=explore)
