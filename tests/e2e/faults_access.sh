#!/usr/bin/env bash
# Fault injection on the access link: see faults.sh.
TEST_NAME=faults_access FAULTS_WHERE=access exec bash "$(dirname "$0")/faults.sh"
