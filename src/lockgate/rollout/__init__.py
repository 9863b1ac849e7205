"""Rollouts: canary, blue-green and shadow, with automatic rollback.

``phases`` (the transition table) and ``plan`` (steps, windows, gates) are pure; ``analysis``
judges a step from stored measurements; ``decide`` turns a verdict into an action. ``service``
holds the audited operations, ``routing`` the sticky weighted policy and the routing watcher,
``measure`` the request-log sink, and ``controller`` the lease-holding reconcile loop that runs
``reconcile``'s steps. Nothing is imported here, so that the manifest can import ``analysis``
without pulling in the store.
"""
