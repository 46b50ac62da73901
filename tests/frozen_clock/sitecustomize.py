"""Puts a Python process that a test started on the suite's clock (see tests/clock.py).

Python imports this module at start-up when its folder is on PYTHONPATH; it travels only when
PORTAL_TEST_CLOCK_OFFSET (seconds from the host's clock to the suite's) is set.
"""

import os

_offset = os.environ.get("PORTAL_TEST_CLOCK_OFFSET")
if _offset:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_offset), tick=True).start()
