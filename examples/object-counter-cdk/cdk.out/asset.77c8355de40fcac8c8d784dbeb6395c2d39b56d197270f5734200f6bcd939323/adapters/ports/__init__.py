"""The ports the counter service's handlers depend on."""
