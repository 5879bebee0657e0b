"""The batch load of landed files (a vendor's Avro drops): each file exactly once, bad ones quarantined.

1. List (launcher): the files ``--input`` matches on any Beam filesystem (a folder, ``gs://``,
   ``s3://``). A file whose path, size and modification time match a loaded one is not read
   again. A file modified less than ``--settle_seconds`` before the run started may still be
   uploading: it is left for a later run. Every other file's Avro header is read: not Avro,
   empty, or a schema the table cannot take (:mod:`pipelines.sources.avro`) rejects it; the
   others' schemas make the table's schema for this run (new optional fields, widened types).
2. Stage (Beam, locally or on Dataflow): each candidate is read whole and hashed. A file whose
   size is no longer the listed one is still being written: left for a later run. Content
   already loaded (under any name) is skipped; the rest is decoded and staged as one Parquet
   file in that schema. A file that fails to decode (truncated, corrupt) is rejected.
3. Commit (launcher): one load of the staged files, their ``ops.loaded_files`` rows and the
   run's ``ops.load_runs`` row, in one warehouse transaction. Rejected files are copied to the
   quarantine location and recorded in ``ops.rejected_files`` (once per path and content); the
   run then exits with :class:`~.quarantine.FilesRejected`'s status, after every good file is loaded, as long
   as any file the glob matches is rejected. A file in an Avro codec this machine cannot decode
   is not the file's fault: it is neither rejected nor loaded, and the run fails
   (:class:`~.quarantine.FilesNotDecodable`) until the codec's library is installed.

One module per concern, in the order a run meets them:

- :mod:`~pipelines.batch.files.options`: what a file load is told (its :class:`FileSource`, its options)
- :mod:`~pipelines.batch.files.listing`: the files a glob matches, the ``s3://`` probe, reading a file
- :mod:`~pipelines.batch.files.plan`: step 1's decisions from the listing and the headers
- :mod:`~pipelines.batch.files.transforms`: step 2, the Beam transforms that stage each file
- :mod:`~pipelines.batch.files.commit`: step 3's load of the staged files and their manifest rows
- :mod:`~pipelines.batch.files.quarantine`: rejected files: quarantine, their ops rows, the exit status
- :mod:`~pipelines.batch.files.load`: the run that ties them together (:func:`run_file_load`)

The Avro specifics (headers, codecs, schemas, records as Arrow) are :mod:`pipelines.sources.avro`'s.
"""
