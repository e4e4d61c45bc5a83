"""Tests of the Lab lifecycle (s3kms_lab/lab)."""
