"""The chaos suite: faults, fuzzing and figures for every registered connector (``make chaos``).

See ``docs/reliability.md`` for what is injected, what must hold and the latest figures.
"""
