"""A small Python client for Clickboard's ingestion API (`POST /api/v1/events`): batches, retries, gives up in time.

Copy this one file into your project (standard library only, Python 3.10+):

    client = Clickboard("http://127.0.0.1:8050", key)
    client.track("export_csv", user_id=42)
    client.flush()  # {"accepted": 1, "duplicates": 0}

- `track` queues an event with its own id; a full batch (`batch_size`) is sent at once.
- `flush` sends everything queued and returns how many of the events sent since the last `flush` the server
  stored (`accepted`) and already had (`duplicates`).
- A busy or unreachable server (429, 503, connection refused or lost) is retried with the same event ids, so an
  event is never counted twice; each wait and its reason is reported through `progress` (default: a line on stderr).
- When a batch is not acknowledged within `give_up_after` seconds (a request in flight may add a second), `GaveUp`
  is raised: nothing is lost, the events stay queued (`pending`) for the next `flush`. A refusal that retrying
  cannot fix (400, 401, 403, 413, 415) raises `Refused` with the server's message at once.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from datetime import datetime, timezone


class Refused(RuntimeError):
    """The server refused a batch for good (bad events, bad key ...): fix the cause, retrying will not help."""


class GaveUp(TimeoutError):
    """A batch was not acknowledged within `give_up_after` seconds; its events are still pending."""


def _to_stderr(message: str) -> None:
    print(f"clickboard: {message}", file=sys.stderr, flush=True)


class Clickboard:
    def __init__(
        self,
        url: str,
        key: str,
        batch_size: int = 500,
        give_up_after: float = 60.0,
        progress: Callable[[str], None] | None = _to_stderr,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.url, self.key, self.batch_size, self.give_up_after = url.rstrip("/"), key, batch_size, give_up_after
        self.progress = progress or (lambda message: None)
        self.clock, self.sleep = clock, sleep
        self.pending: list[dict] = []
        self._sent = {"accepted": 0, "duplicates": 0}  # since the last flush() returned

    def track(
        self,
        feature: str,
        user_id: int | None = None,
        occurred_at: datetime | None = None,
        event_id: str | None = None,
        user: str | None = None,
    ) -> None:
        """Queue one event (a new id unless `event_id` is given); sends a batch when `batch_size` are queued.

        `user` names a person by your app's own id for them (text); `user_id` an account of the dashboard."""
        event = {
            "event_id": event_id or str(uuid.uuid4()),
            "feature": feature,
            "occurred_at": (occurred_at or datetime.now(timezone.utc)).isoformat(),  # noqa: UP017 (3.10)
        }
        if user_id is not None:
            event["user_id"] = user_id
        if user is not None:
            event["user"] = user
        self.pending.append(event)
        if len(self.pending) >= self.batch_size:
            self._send_pending()

    def flush(self) -> dict[str, int]:
        """Send every queued event; {"accepted": n, "duplicates": m} for all events sent since the last flush."""
        self._send_pending()
        counts, self._sent = self._sent, {"accepted": 0, "duplicates": 0}
        return counts

    def _send_pending(self) -> None:
        while self.pending:
            batch = self.pending[: self.batch_size]
            answer = self._send(batch)  # the same ids on every retry: never counted twice
            del self.pending[: len(batch)]
            for name in self._sent:
                self._sent[name] += answer[name]
            self.progress(
                f"sent {len(batch)} events: {answer['accepted']} accepted, {answer['duplicates']} duplicates"
                f" ({len(self.pending)} still queued)"
            )

    def _send(self, batch: list[dict]) -> dict:
        body = json.dumps({"events": batch}).encode()
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
        deadline, delay = self.clock() + self.give_up_after, 0.5
        while True:
            request = urllib.request.Request(f"{self.url}/api/v1/events", body, headers, method="POST")
            timeout = max(1.0, min(30.0, deadline - self.clock()))  # one request never outlasts the bound
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    return json.loads(response.read())  # {"accepted": n, "duplicates": m}
            except urllib.error.HTTPError as exc:
                if exc.code not in (429, 503):  # 400/401/403/413/415: retrying will not help
                    raise Refused(f"{exc.code}: {exc.read().decode(errors='replace')}") from None
                wait = float(exc.headers.get("Retry-After") or delay)
                reason = f"server busy ({exc.code})"
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                wait = delay
                reason = f"server unreachable ({getattr(exc, 'reason', exc)})"
            left = deadline - self.clock()
            if wait > left:
                raise GaveUp(
                    f"{len(batch)} events not acknowledged within {self.give_up_after:g} s ({reason}); they stay "
                    f"queued: call flush() again later"
                )
            self.progress(f"{reason}; retrying {len(batch)} events in {wait:g} s (giving up in {left:.0f} s)")
            self.sleep(wait)
            delay = min(delay * 2, 30.0)
