"""``graphcontract bench``: how many faults graphcontract and Schemathesis find on the mock,
how many false alarms they raise, how much traffic and time they need, and how the harness
scales. ``cli.py`` orchestrates; ``server.py`` is the counting mock, ``runs.py`` one run of
each tool, ``detection.py``/``speed.py``/``scaling.py`` the sections, ``tables.py`` the output,
``probe.py`` the pytest plugin that observes a ``graphcontract run`` from outside.
"""
