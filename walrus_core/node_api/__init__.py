"""The Walrus storage-node HTTP API: wire formats (wire.py), BLS12-381
confirmations (bls.py), a node server (server.py, aiohttp) and a client
(http_node.py). The HTTP parts need the optional ``aiohttp`` and ``pyblst``
packages (``pip install 'walrus-core[store]'``), imported only when used."""
