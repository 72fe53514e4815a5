"""The local cloud: run the app's functions, APIs and event sources on this machine, no Docker."""
