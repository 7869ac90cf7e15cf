"""Errors that mean "bad input": shown as one clear line, exit code 2, never a traceback."""


class InputError(Exception):
    """A broken inventory, policy, waiver file or argument. The message names the file and key."""
