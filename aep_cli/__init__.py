"""``aep-activations``: the command-line tool for the stack's activations (see :mod:`aep_cli.app`)."""
