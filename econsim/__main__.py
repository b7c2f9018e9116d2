"""``python -m econsim``."""

from econsim.cli import main

main()
