# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""A consistent copy of a live SQLite database, with SQLite's online backup API.

A plain file copy of a database the app writes to can be torn; the backup API
copies a consistent snapshot. The copy is written aside and renamed into place.

Root runs this on the app's own directory (a site's data/), where the app can put
a symbolic link at any name at any moment: a link is refused as the source, and
the copy is written, and given its owner and mode, where only root can write,
then renamed into place (a rename replaces a link, never follows it).
"""

import errno
import os
import sqlite3
import stat
import tempfile

FDS = "/proc/self/fd"


def refused(path, status):
    """Why the file at `path` (its lstat or fstat) is no database root may use, or ''."""
    if stat.S_ISLNK(status.st_mode):
        return f"{path} is a symbolic link: refused"
    if not stat.S_ISREG(status.st_mode):
        return f"{path} is not a regular file: refused"
    return ""


def regular_file(path):
    """The status of `path`, a regular file itself (not a link to one): else OSError."""
    status = os.lstat(path)
    if why := refused(path, status):
        raise OSError(why)
    return status


def open_regular_file(path):
    """A read-only descriptor of the regular file at `path`, opened without following a
    link there (nor blocking on a FIFO)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW's answer when `path` is a link
            raise OSError(f"{path} is a symbolic link: refused") from None
        raise
    if why := refused(path, os.fstat(fd)):
        os.close(fd)
        raise OSError(why)
    return fd


def open_on(status):
    """The descriptors of this process open on the file of `status` (an fstat)."""
    found = set()
    for name in os.listdir(FDS):
        try:
            opened = os.fstat(int(name))
        except OSError:  # the one that listed the directory, closed since
            continue
        if (opened.st_dev, opened.st_ino) == (status.st_dev, status.st_ino):
            found.add(name)
    return found


def connect_read_only(path):
    """A read-only connection to the regular file at `path`. SQLite opens by name: the
    file it opened must be the one checked, not a link swapped in meanwhile."""
    fd = open_regular_file(path)
    try:
        checked = os.fstat(fd)
        before = open_on(checked)
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        if not open_on(checked) - before:
            connection.close()
            raise OSError(f"{path} changed while it was opened: refused")
        return connection
    finally:
        os.close(fd)


def ours_alone(directory):
    status = os.lstat(directory)
    return (
        stat.S_ISDIR(status.st_mode)
        and status.st_uid == os.geteuid()
        and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def staging_directory(dest):
    """Where to write the copy of `dest`: a directory only we can write to, on dest's
    file system - dest's own, else its parent (a site's data/ is the app's, the site's
    directory is root's)."""
    directory = os.path.dirname(os.path.abspath(dest))
    for candidate in (directory, os.path.dirname(directory)):
        if ours_alone(candidate):
            return candidate
    raise OSError(f"neither {directory} nor its parent is ours alone to write {dest} in")


def copy_database(src, dest, prepare=None):
    """Write a consistent copy of src to dest, atomically. `prepare(path)`, when given,
    sets the copy's owner and mode, before it is renamed to dest."""
    staging = staging_directory(dest)
    source = connect_read_only(src)
    try:
        fd, partial = tempfile.mkstemp(dir=staging, prefix=".sqlite_backup.")
        os.close(fd)  # made with O_EXCL, where only we can write: SQLite may open it by name
        try:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
            finally:
                copy.close()
            if prepare:
                prepare(partial)
            os.replace(partial, dest)
        except BaseException:
            os.unlink(partial)
            raise
    finally:
        source.close()
