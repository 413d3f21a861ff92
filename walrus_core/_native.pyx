# cython: language_level=3
"""The one native extension of walrus_core: thin wrappers over the C core in
csrc/. Buffers come in as any contiguous buffer, the GIL is released around
native work, and every C status maps to one exception (see _core.pxi).
Each module of the C core has its own include file."""

include "_core.pxi"
include "_rs.pxi"
include "_hash.pxi"
include "_blob.pxi"
include "_merkle.pxi"
include "_quilt.pxi"
include "_stream.pxi"
