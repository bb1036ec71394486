#!/bin/sh
# Removes the primary-down lab (see ../common/teardown.sh). Usage: sh teardown.sh [LAB]
exec sh "$(dirname "$0")/../common/teardown.sh" "${1:-${LAB_DIR:-}}" primary-down-lab
