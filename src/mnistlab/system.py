"""What this machine offers the work: the one place that counts its CPUs."""

from __future__ import annotations

__all__ = ["cpu_count"]


def cpu_count(*, physical: bool = False) -> int:
    """Return how many CPUs this process may use (at least 1).

    joblib's count honours the process's CPU affinity (``taskset``), a
    container's CPU quota (cgroups) and ``LOKY_MAX_CPU_COUNT``, which
    ``os.cpu_count()`` ignores: a container limited to 2 CPUs on a 64-core host
    gets 2 workers, not 64.

    Parameters
    ----------
    physical : bool, default False
        Count physical cores only (hyper-threads of one core share its
        arithmetic units, so compute-bound threads gain little from them).

    Example
    -------
    >>> cpu_count() >= cpu_count(physical=True) >= 1
    True
    """
    # Imported here: a foundation module stays cheap to import.
    from joblib import cpu_count as joblib_cpu_count

    return max(1, int(joblib_cpu_count(only_physical_cores=physical)))
