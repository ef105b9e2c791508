"""One retry policy for every HTTP client (:class:`loaders.httpclient.PoliteClient`, :class:`kg.store.remote.RemoteStore`).

A client runs one attempt as a function that returns its answer, raises :class:`Retryable` for a
failure worth repeating (a transport error, 429 or a 5xx answer, depending on the client and on
whether the request is idempotent), or raises anything else to stop at once. The policy
(tenacity underneath) says how many attempts there are and how long to pause between them: a
``Retry-After`` carried by the failure wins over the policy's own pause, and every pause is capped.
When the attempts run out, the last :class:`Retryable` is raised for the client to turn into its
own error (naming the URL and the last problem).

>>> pauses = []
>>> policy = RetryPolicy.fixed((0.1, 0.2), sleep=pauses.append)
>>> tries = iter([Retryable("HTTP 503"), Retryable("HTTP 429", after=5.0), "ok"])
>>> def attempt():
...     outcome = next(tries)
...     if isinstance(outcome, Exception):
...         raise outcome
...     return outcome
>>> policy.call(attempt), pauses
('ok', [0.1, 5.0])
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import tenacity

T = TypeVar("T")


class Retryable(Exception):
    """An attempt that failed in a way worth repeating.

    ``problem`` says what happened (``"HTTP 503"``, ``"ConnectError(...)"``), ``after`` is the pause the
    server asked for (Retry-After, seconds), ``response`` the answer that failed, if there was one.
    """

    def __init__(self, problem: str, *, after: float | None = None, response: Any = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.after = after
        self.response = response


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a request gets and how long to pause before each repeat."""

    attempts: int                                  # the first attempt included
    wait: Callable[[tenacity.RetryCallState], float]  # the pause before attempt n + 1 (n = attempt_number)
    max_wait: float = math.inf
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def exponential(cls, *, retries: int, backoff: float, max_backoff: float,
                    sleep: Callable[[float], None] = time.sleep) -> RetryPolicy:
        """``retries`` repeats, pausing ``backoff * 2**n`` seconds before repeat n + 1 (n from 0), capped."""
        return cls(retries + 1, tenacity.wait_exponential(multiplier=backoff, exp_base=2, max=max_backoff),
                   max_backoff, sleep)

    @classmethod
    def fixed(cls, pauses: Sequence[float], *, sleep: Callable[[float], None] = time.sleep) -> RetryPolicy:
        """One repeat after each pause of ``pauses`` (seconds), in order."""
        return cls(len(pauses) + 1, tenacity.wait_chain(*(tenacity.wait_fixed(p) for p in pauses)), sleep=sleep)

    def call(self, attempt: Callable[[], T]) -> T:
        """``attempt()``'s answer, repeated while it raises :class:`Retryable`.

        Raises the last :class:`Retryable` when the attempts run out, and any other exception at once.
        """
        retrying = tenacity.Retrying(stop=tenacity.stop_after_attempt(self.attempts), wait=self._pause,
                                     retry=tenacity.retry_if_exception_type(Retryable), sleep=self.sleep,
                                     reraise=True)
        return retrying(attempt)

    def _pause(self, state: tenacity.RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome is not None else None
        after = failure.after if isinstance(failure, Retryable) else None
        return min(after or self.wait(state), self.max_wait)
