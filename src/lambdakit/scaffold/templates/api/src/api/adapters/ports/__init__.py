"""The ports the API depends on."""
