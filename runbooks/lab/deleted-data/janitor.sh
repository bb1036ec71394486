#!/bin/sh
# The deleted-data lab's janitor (see ../common/janitor.sh). Usage: sh janitor.sh [LAB]
here=$(dirname "$0")
exec sh "$here/../common/janitor.sh" "${1:-${LAB:-}}" "$here/teardown.sh"
