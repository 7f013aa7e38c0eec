#!/usr/bin/env bash
# Fault injection on both links at once (access and upstream): see faults.sh.
TEST_NAME=faults_both FAULTS_WHERE=both exec bash "$(dirname "$0")/faults.sh"
