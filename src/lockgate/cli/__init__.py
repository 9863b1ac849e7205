"""The `lockgate` command line: thin commands that parse arguments, call a service and print."""
