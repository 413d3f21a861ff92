"""Reference storage: blobs across local node directories (see store.py, retrieve.py, repair.py)."""
