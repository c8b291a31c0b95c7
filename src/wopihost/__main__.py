"""`python -m wopihost` runs the command line."""

from wopihost.cli import main

main()
