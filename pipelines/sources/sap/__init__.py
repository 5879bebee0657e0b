"""SAP in one place: DATS dates, change-date cursors with fallbacks, and the client filter.

The ERP pipeline (``batch/erp.py``) plugs ``rules.SapRules`` into the generic loader; the loader,
the snapshots and the warehouses know nothing of SAP beyond what this package hands them: a
cursor type (``dates.SAP_DATE``, the catalogue's ``sap_date``), a cursor expression, a row filter
and a check before planning.

- :mod:`~pipelines.sources.sap.dates`: DATS, and SAP_DATE, the cursor type (imports nothing of ours
  but the cursor vocabulary, so ``pipelines/bounds.py`` can list it);
- :mod:`~pipelines.sources.sap.rules`: change dates, the client filter, the check before planning.

DATS
    SAP keeps dates as 8 characters of text, ``'YYYYMMDD'``, with ``'00000000'`` (or a blank) for
    "no date". A window bound over such a cursor is given as ``YYYYMMDD`` or an ISO date.
Change dates
    A cursor over several DATS columns (``AEDAT`` "changed on", then ``ERDAT`` "created on";
    the catalogue's ``cursor: [AEDAT, ERDAT]``) takes the first that holds a date.
Client
    ``--sap_client 100`` reads one SAP client: rows whose client column (the catalogue's
    ``client_column``, ``MANDT``) is ``'100'``.
"""

