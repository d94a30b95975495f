"""Tests of the delivery pipeline (stacks/pipeline.py) and its config file."""
