"""Run the command line as ``python -m mnistlab``."""

from mnistlab.cli import main

raise SystemExit(main())
