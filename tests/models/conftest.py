"""What the model tests share: torch's OpenMP threads wait passively, as under the command line.

On a CPU shared with other work, spinning OpenMP threads slow training many
times over; the choice must be made before torch is imported, so here, before
the test modules are.
"""

from __future__ import annotations

from mnistlab.models.openmp import prefer_passive_openmp

prefer_passive_openmp()
