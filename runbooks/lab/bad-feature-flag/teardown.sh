#!/bin/sh
# Removes the bad-feature-flag lab (see ../common/teardown.sh). Usage: sh teardown.sh [LAB]
exec sh "$(dirname "$0")/../common/teardown.sh" "${1:-${LAB:-}}" cairn-lab-flag
