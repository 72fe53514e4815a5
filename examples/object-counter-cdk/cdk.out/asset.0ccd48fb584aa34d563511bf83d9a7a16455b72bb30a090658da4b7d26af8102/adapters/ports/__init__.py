"""The ports the worker service's handler depends on."""
