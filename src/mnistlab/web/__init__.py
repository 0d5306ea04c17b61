"""The web page to draw or upload a digit and see the prediction (extra ``[web]``).

:func:`serve` runs it, as ``mnistlab serve`` does; its parts, each in a module:

* :mod:`~mnistlab.web.app` builds the FastAPI application around a loaded
  model, so that tests drive it in-process;
* :mod:`~mnistlab.web.server` is :func:`serve`: the model, the socket, the run;
* :mod:`~mnistlab.web.processes` runs the app in this process or in worker processes;
* :mod:`~mnistlab.web.sockets` opens the listening socket;
* :mod:`~mnistlab.web.malloc` and :mod:`~mnistlab.web.collector` keep memory
  flat and the garbage collector's pauses short.

Importing this package needs nothing of the extra; :func:`serve` says how to
install it when it is missing.
"""

from __future__ import annotations

from mnistlab.web.server import ServerStart, serve

__all__ = ["ServerStart", "serve"]
