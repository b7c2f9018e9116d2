"""The engine's kernels (numba): the day's member-wide work as fused loops.

``tables`` turns the model into the arrays the kernels read, ``day_books`` holds what they
write and the money rules, ``day`` is the members' day in one pass (``draws`` its shaped
draws, ``uniform`` its uniforms), ``serving`` what the day hands back, ``close`` the day's
closing counts, tier review and expiry, ``journal`` the rows a recorded run writes.
``engine.simulation`` drives them on ``engine.calendar``.
"""

from econsim.engine.paths import use_cache_dir

use_cache_dir()  # before any kernel is defined
