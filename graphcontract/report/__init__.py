"""Run reports: report.json from a run's recorder (``build``), its offline HTML page (``html``)."""
