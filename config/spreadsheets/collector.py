"""Python's cycle collector while a file is read and imported.

Left to itself, the collector runs every few hundred new objects and every so often walks every
object the process holds. An import holds the whole file's rows and makes a few objects per
cell, so those walks over what it had already read took a fifth of an unchanged import's time.
While a file is read and imported, the collector runs between batches, over the objects made
since it last ran, and only once they (less those freed since) pass COLLECT_AFTER: a batch leaves
a few dozen cycles at most, and walking the tens of thousands of objects it still holds cost a
tenth of an import's time for nothing. Cycles are still freed; the file's rows are not walked.
Each collection walks the batches in hand (40 to 70 ms for placements) however long ago the last
one ran: at 200,000 objects an import of 100,000 placements collected four to seven times, an
eighth of its checking thread's time; at 1,000,000 none of the bench's imports of 100,000 rows
collects, and a longer file's cycles wait a few times longer, a few dozen a batch.
"""

import gc
from contextlib import contextmanager

COLLECT_AFTER = 1_000_000


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
    """The cycles among the objects made since the last collection (generations 0 and 1), once
    there may be enough of them to matter."""
    if not gc.isenabled() and gc.get_count()[0] > COLLECT_AFTER:
        gc.collect(1)
