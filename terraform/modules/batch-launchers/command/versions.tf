# No provider: this module only computes strings, so a test can evaluate it with a bare
# `terraform apply` offline (tests/test_batch_launchers.py).
terraform {
  required_version = ">= 1.9"
}
