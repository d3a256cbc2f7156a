"""The one error type of lrlab.data."""


class DataError(Exception):
    """A data file or folder is missing, damaged or not the expected one.

    The message always names the path, says what is wrong and what to do, e.g.
    ``/data/train-labels-idx1-ubyte.gz: the gzip data is corrupt or truncated
    (...). Delete it and rerun to download it again, or pass --data-dir to a
    folder with the official files.``

    >>> raise DataError("/data/x.gz: not found. Pass --data-dir to a folder with it.")
    Traceback (most recent call last):
    ...
    lrlab.data.errors.DataError: /data/x.gz: not found. Pass --data-dir to a folder with it.
    """
