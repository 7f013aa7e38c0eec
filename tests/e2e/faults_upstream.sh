#!/usr/bin/env bash
# Fault injection on the upstream link: see faults.sh.
TEST_NAME=faults_upstream FAULTS_WHERE=upstream exec bash "$(dirname "$0")/faults.sh"
