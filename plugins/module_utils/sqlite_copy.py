"""A consistent copy of a live SQLite database, with SQLite's online backup API.

A plain file copy of a database the app writes to can be torn; the backup API
copies a consistent snapshot. The copy is written aside and renamed into place.
"""

import os
import sqlite3
import tempfile


def copy_database(src, dest):
    """Write a consistent copy of src to dest, atomically."""
    fd, partial = tempfile.mkstemp(dir=os.path.dirname(dest), prefix=".sqlite_backup.")
    os.close(fd)
    try:
        source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        os.replace(partial, dest)
    except BaseException:
        os.unlink(partial)
        raise
