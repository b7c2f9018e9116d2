"""The compiled path of the engine (numba): the day's member-wide work as fused loops.

``tables`` turns the model into the arrays the kernels read, ``day`` is the members' day
in one pass, ``close`` the day's closing counts, tier review and expiry, and
``simulation`` the replication that drives them on the reference's calendar.
"""

from econsim.engine.paths import use_cache_dir

use_cache_dir()  # before any kernel is defined
