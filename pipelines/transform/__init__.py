"""The transformation layer: the SQLMesh project in ``sql/``, built, checked and traced from Python."""

import os

# SQLMesh posts anonymous usage events to its vendor unless told not to, from the moment it is
# imported: this platform's machines and Composer's workers make no such calls
os.environ.setdefault("SQLMESH__DISABLE_ANONYMIZED_ANALYTICS", "true")
