"""``python -m clobconn.cli``: the same as the ``clobconn`` command."""

from clobconn.cli import main

main()
