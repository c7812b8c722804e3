"""Work items executed by the writer thread.

A long job (rollups, purge) does one bounded slice per `run` and returns its
continuation, which the engine puts back at the end of the queue so that
event writes interleave with it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from sqlalchemy.orm import Session


class StoreTask(ABC):
    """A unit of work for the writer thread."""

    @abstractmethod
    def run(self, session: Session) -> StoreTask | None:
        """Do one bounded slice inside the writer's session.

        Return the task to re-queue for the next slice, or None when done.
        The engine commits after each slice.
        """
