"""`python -m lambdakit`: the same as the `lambdakit` command."""

from lambdakit.cli.main import main

main()
