"""Deploy: plan (pure) → upload assets → change set → execute → traffic, through ports."""
