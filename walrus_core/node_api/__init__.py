"""The Walrus storage-node HTTP API (spec walrus-node-api.md).

    wire.py         BCS bodies, signed-message bytes, JSON envelopes (pure)
    bls.py          BLS12-381 min-pk confirmations, as Walrus signs them (pyblst)
    symbols.py      what a node answers to /recoverySymbols and /decodingSymbols
    certificate.py  the aggregate-signature certificate of a stored blob
    server.py       `walrus-core serve`: a Sui-less node on aiohttp
    http_node.py    the client: store, read (also from any Walrus-API nodes), status
    http_repair.py  repair over HTTP from peers' recovery symbols
    aggregator.py   `walrus-core get --aggregator`: a verified read through an aggregator

The HTTP parts need the optional ``aiohttp`` and ``pyblst`` packages (``pip
install 'walrus-core[store]'``); nothing here is imported by ``walrus_core``
itself."""
