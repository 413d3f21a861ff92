/* Status codes shared by every wc_* entry point. The Cython layer maps each
 * code to one exception class in walrus_core/errors.py. */
#ifndef WC_STATUS_H
#define WC_STATUS_H

enum wc_status {
    WC_OK = 0,
    WC_ERR_ARG = 1,            /* a NULL pointer or a nonsensical argument */
    WC_ERR_SIZE = 2,           /* wrong buffer size: odd shard size, unequal lengths, ... */
    WC_ERR_COUNT = 3,          /* shard or leaf count out of the allowed range */
    WC_ERR_INDEX = 4,          /* index out of range */
    WC_ERR_DUPLICATE = 5,      /* the same index given twice */
    WC_ERR_TOO_FEW = 6,        /* not enough shards / symbols / slivers to decode */
    WC_ERR_NOMEM = 7,          /* allocation failed */
    WC_ERR_BACKEND = 8,        /* unknown backend, or the CPU cannot run it */
    WC_ERR_PROOF = 9,          /* a Merkle proof does not verify */
    WC_ERR_HASH_MISMATCH = 10, /* data does not match its committed hash */
    WC_ERR_INCONSISTENT = 11,  /* the blob was encoded inconsistently */
    WC_ERR_TOO_LARGE = 12,     /* blob too large for the shard count */
};

#endif
