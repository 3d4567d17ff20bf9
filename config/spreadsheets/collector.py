"""Python's cycle collector while a file is read and imported.

Left to itself, the collector runs every few hundred new objects and every so often walks every
object the process holds. An import holds the whole file's rows and makes a few objects per
cell, so those walks over what it had already read took a fifth of an unchanged import's time.
While a file is read and imported, the collector only runs once per batch, over the objects
made since the last one: cycles a batch leaves are still freed, the file's rows are not walked.
"""

import gc
from contextlib import contextmanager


@contextmanager
def collecting_per_batch():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def collect_batch():
    """The cycles among the objects made since the last collection (generations 0 and 1)."""
    if not gc.isenabled():
        gc.collect(1)
