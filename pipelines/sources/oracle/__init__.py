"""Oracle (SAP ERP on Oracle, schema ``SAPSR3``) as a batch source: catalog, one SCN, ROWID ranges.

One point in time
    The launcher reads the database clock (``SYSTIMESTAMP``), then the current SCN. Every
    partition's statement is a flashback query, ``SELECT ... FROM "SAPSR3"."MSEG" AS OF SCN
    :scn``, so all partitions, on any worker, see the database as of that SCN: a row changed
    while the run goes on is read once, in its before-state. Unlike PostgreSQL's exported
    snapshot no session has to stay open, but undo must still hold that SCN when the last
    partition starts (ORA-01555 otherwise: raise ``UNDO_RETENTION`` above the run's
    duration), and the loader's user needs ``FLASHBACK`` on the tables (or ``FLASHBACK ANY
    TABLE``). The SCN comes from ``V$DATABASE``, or ``DBMS_FLASHBACK`` when that is not
    granted.

Partitions
    ROWID ranges planned from the table's extents (``DBA_EXTENTS``; ``ALL_EXTENTS`` does not
    exist and ``USER_EXTENTS`` only covers the connected user's own segments): each range is
    a contiguous run of blocks, read with a ROWID range scan, so N partitions read the
    table once between them. The boundaries are the ROWIDs that
    ``DBMS_ROWID.ROWID_CREATE(1, data_object_id, relative_fno, block_id, 0)`` returns,
    computed here from the extent rows and bound as text. The first range has no lower and
    the last no upper bound, so the ranges cover every row whatever the extents say. When
    the extents cannot be read, rows are dealt to ``ORA_HASH(ROWID, :buckets - 1) = :bucket``
    buckets instead: correct, but every bucket scans the whole table, so N buckets cost the
    ERP database N full scans (capped at ``MAX_HASH_BUCKETS``). Views, index-organised
    tables and tables without optimizer statistics are read as one partition.
    Every value in a statement (SCN, ROWIDs, buckets, SAP client, window bounds) is a bind
    variable: the statement text is the same for every run, and values never need quoting.

SAP specifics
    Tables live in ``SAPSR3``; names (``MSEG``, ``/MINE/SHIFT``) are kept exactly as Oracle
    has them and always double-quoted. SAP keeps its primary keys as unique indexes named
    ``<TABLE>~0`` rather than constraints: the key comes from a ``P`` constraint if there is
    one, else from that index. A client filter (``"MANDT" = :client``, ``sources/sap/``) reads one SAP client.
    SAP's dates (``DATS``) are ``NVARCHAR2(8)`` text ``YYYYMMDD`` with ``'00000000'`` (or a
    blank) for "no date"; a change-date cursor over several such columns (``AEDAT``, then
    ``ERDAT``) takes the first one that holds a date (``sap.change_date_sql``).

Types
    ``ALL_TAB_COLUMNS`` -> warehouse columns: see ``types.py``.

Reads go through python-oracledb in thin mode (no Oracle client on the workers);
``Connection.fetch_df_batches`` returns Arrow data, conformed to the staged schema.

The package, one concern a module (as dlt's ``sql_database`` separates source, helpers and
type mapping; ``sources/postgres.py`` is the same parts in one file):

    types.py        Oracle's types -> the warehouse's (``map_oracle_column``, ``describe_table``)
    errors.py       connection and ORA errors -> one-line messages a person can act on
    connection.py   how to reach the database (``OracleConnection``)
    sql.py          catalog queries, the SCN and clock, the window's SQL and binds
    partitions.py   ROWID ranges (or hash buckets) and each partition's flashback statement
    snapshot.py     the launcher's side: one SCN, catalog look-ups, the plan
    reader.py       the workers' side: a partition read as Arrow at the run's SCN
"""
